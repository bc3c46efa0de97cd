import type {NeuronMetagraph} from '../chain/neuron.js'

export interface BlacklistDecision {
  blocked: boolean
  reason?: string
}

/**
 * Who may query the miner and in what order (docs/ARCHITECTURE.md § Challenges and scoring): unregistered callers are refused; with
 * `forceValidatorPermit` so are registered callers without a validator permit, and with `minStake` callers below
 * that stake. Priority is the caller's stake.
 * Reads whatever metagraph `current()` returns, so an epoch re-sync takes effect on the next request.
 */
export class CallerPolicy {
  constructor(
    private readonly current: () => NeuronMetagraph,
    /** `minStake`: registered callers with less stake are refused too (BitMind's Epistula miners: 20000; default 0, off) */
    private readonly opts: {forceValidatorPermit: boolean; allowNonRegistered?: boolean; minStake?: number},
  ) {}

  private uidOf(hotkey: string): number {
    return this.current().hotkeys.indexOf(hotkey)
  }

  /** Whether the hotkey has a uid in the current metagraph. */
  isRegistered(callerHotkey: string): boolean {
    return this.uidOf(callerHotkey) >= 0
  }

  blacklist(callerHotkey: string): BlacklistDecision {
    const uid = this.uidOf(callerHotkey)
    if (uid < 0) {
      if (this.opts.allowNonRegistered) return {blocked: false, reason: 'unregistered hotkey allowed'}
      return {blocked: true, reason: `unrecognized hotkey ${callerHotkey}`}
    }
    if (this.opts.forceValidatorPermit && !this.current().validatorPermit[uid]) {
      return {blocked: true, reason: `hotkey ${callerHotkey} (uid ${uid}) has no validator permit`}
    }
    const stake = this.current().stake[uid] ?? 0
    if (this.opts.minStake && stake < this.opts.minStake) {
      return {blocked: true, reason: `hotkey ${callerHotkey} (uid ${uid}) has stake ${stake}, below the floor ${this.opts.minStake}`}
    }
    return {blocked: false, reason: 'hotkey recognized'}
  }

  priority(callerHotkey: string): number {
    const uid = this.uidOf(callerHotkey)
    return uid < 0 ? 0 : (this.current().stake[uid] ?? 0)
  }
}
