import type {MetagraphLike} from '../chain/neuron.js'

export interface BlacklistDecision {
  blocked: boolean
  reason?: string
}

/**
 * Who may query the miner and in what order (DESIGN §4): unregistered callers are refused; with
 * `forceValidatorPermit` so are registered callers without a validator permit. Priority is the caller's stake.
 * Reads whatever metagraph `current()` returns, so an epoch re-sync takes effect on the next request.
 */
export class CallerPolicy {
  constructor(
    private readonly current: () => MetagraphLike,
    private readonly opts: {forceValidatorPermit: boolean; allowNonRegistered?: boolean},
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
    return {blocked: false, reason: 'hotkey recognized'}
  }

  priority(callerHotkey: string): number {
    const uid = this.uidOf(callerHotkey)
    return uid < 0 ? 0 : (this.current().stake[uid] ?? 0)
  }
}
