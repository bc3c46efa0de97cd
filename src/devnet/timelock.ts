import {hexToU8a, u8aToBigInt} from '@polkadot/util'
import {encodeAddress} from '@polkadot/util-crypto'

import type {Chain, RuntimeModule} from './chain.js'
import {type DispatchContext, DispatchFailure} from './dispatch.js'
import {decryptCommit, DRAND_SCHEME, TestBeacon} from './drand.js'
import type {Genesis} from './genesis.js'
import type {Storage} from './storage.js'
import {applyWeights, epochIndex, mechIndex} from './subtensor.js'

const S = 'subtensorModule'
/** pulses kept in Drand.Pulses behind the latest round */
const PULSES_KEPT = 600
/** commits whose round never decrypts are dropped after this many epochs past their reveal epoch */
const STALE_EPOCHS = 3

type Commit = [string, number | string, string, number | string] // (who, commit_block, ciphertext, reveal_round)

export interface TimelockModule extends RuntimeModule {
  genesis(chain: Chain, g: Genesis): void
  /** the devnet's drand beacon (encrypt to `beacon.info.public_key` with src/chain/timelock's encryptForRound) */
  beacon(st: Storage): TestBeacon
  /** reveal the timelocked commits of a subnet that are due (called at the subnet's epoch, before consensus) */
  revealDue(ctx: Omit<DispatchContext, 'signer'>, netuid: number): void
}

interface Weights {
  uids: number[]
  values: number[]
  versionKey: bigint
}

/**
 * The pallet's payload decoding (opentensor/subtensor pallets/subtensor/src/coinbase/reveal_commits.rs):
 * WeightsTlockPayload {hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64}, whose hotkey must decode
 * to the committing account; else the legacy {uids, values, version_key}. `null`: the commit is dropped.
 */
function decodePayload(st: Storage, pt: Uint8Array, who: string): Weights | null {
  const legacy = (): Weights | null => {
    try {
      const [uids, values, versionKey] = st.registry.createType('(Vec<u16>, Vec<u16>, u64)', pt).toJSON() as [number[], number[], number | string]
      return {uids, values, versionKey: BigInt(versionKey)}
    } catch {
      return null
    }
  }
  let decoded: [string, number[], number[], number | string]
  try {
    decoded = st.registry.createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', pt).toJSON() as typeof decoded
  } catch {
    return legacy()
  }
  const [hotkey, uids, values, versionKey] = decoded
  const hk = hexToU8a(hotkey)
  if (hk.length < 32) return legacy() // AccountId::decode fails: the pallet tries the legacy layout
  if (encodeAddress(hk.subarray(0, 32), 42) !== who) return null
  return {uids, values, versionKey: BigInt(versionKey)}
}

/**
 * `commit_timelocked_weights` on the devnet. The commit is the chain's timelock ciphertext (src/chain/tle: the
 * arkworks-serialized TLECiphertext of ideal-lab5/timelock's `tle`, as bittensor_drand makes it) encrypted to the
 * devnet's test beacon (Drand.BeaconConfig) for `reveal_round`; the payload is the SCALE WeightsTlockPayload. When
 * the reveal epoch comes and Drand.Pulses holds the round, the commit is decrypted with the pulse's signature, the
 * weights are applied with the set_weights rules and `TimelockedWeightsRevealed` is emitted; undecryptable or
 * mismatched commits are dropped, as the pallet drops them.
 */
export function timelockModule(genesis: Genesis): TimelockModule {
  let beacon: TestBeacon | undefined

  const getBeacon = (st: Storage): TestBeacon => {
    if (!beacon) {
      const cfg = st.read('drand', 'beaconConfig') as {genesisTime: number; period: number}
      beacon = new TestBeacon({secretKey: genesis.drand.secretKey, period: cfg.period, genesisTime: cfg.genesisTime})
    }
    return beacon
  }

  const commitLists = (st: Storage, index: number): {key: string; epoch: number; commits: Commit[]}[] => {
    const prefix = st.prefix(S, 'timelockedWeightCommits', index)
    return st.keysWithPrefix(prefix).map((key) => {
      const epoch = Number(u8aToBigInt(hexToU8a('0x' + key.slice(-16)), {isLe: true}))
      return {key, epoch, commits: (st.read(S, 'timelockedWeightCommits', index, epoch) as Commit[]) ?? []}
    })
  }

  /** the commit's weights, `undefined` while the round's pulse is missing, `null` when it must be dropped */
  const open = (st: Storage, [who, , ct, round]: Commit): Weights | null | undefined => {
    const pulse = st.read('drand', 'pulses', Number(round)) as {signature: string} | null | undefined
    if (!pulse) return undefined
    let pt: Uint8Array
    try {
      pt = decryptCommit(hexToU8a(ct), pulse.signature)
    } catch {
      return null
    }
    return decodePayload(st, pt, who)
  }

  return {
    calls: {},
    genesis(chain) {
      const b = new TestBeacon({
        secretKey: genesis.drand.secretKey,
        period: genesis.drand.period,
        genesisTime: Math.floor(Date.now() / 1000) - genesis.drand.period,
      })
      beacon = b
      const hex = (s: string) => '0x' + Buffer.from(s).toString('hex')
      chain.st.set('drand', 'beaconConfig', [], {
        publicKey: '0x' + b.info.public_key,
        period: b.info.period,
        genesisTime: b.info.genesis_time,
        hash: '0x' + b.info.hash,
        groupHash: '0x' + b.info.groupHash,
        schemeId: hex(DRAND_SCHEME),
        metadata: {beaconId: hex(b.info.metadata.beaconID)},
      })
    },
    beacon: getBeacon,
    onInitialize(ctx) {
      const st = ctx.st
      const b = getBeacon(st)
      const now = b.roundAt(st.num('timestamp', 'now'))
      const last = st.num('drand', 'lastStoredRound')
      if (now <= last) return
      for (let r = Math.max(last + 1, now - 20); r <= now; r++) {
        const p = b.sign(r)
        st.set('drand', 'pulses', [r], {round: r, randomness: '0x' + p.randomness, signature: '0x' + p.signature})
      }
      st.set('drand', 'lastStoredRound', [], now)
      const oldest = Math.max(st.num('drand', 'oldestStoredRound'), now - 20)
      for (let r = oldest; r < now - PULSES_KEPT; r++) st.delete('drand', 'pulses', r)
      st.set('drand', 'oldestStoredRound', [], Math.max(oldest, now - PULSES_KEPT))
    },
    revealDue(ctx, netuid) {
      const st = ctx.st
      const period = st.num(S, 'revealPeriodEpochs', netuid)
      const current = epochIndex(st, netuid, ctx.block)
      const mechs = st.num(S, 'mechanismCountCurrent', netuid)
      for (let mecid = 0; mecid < mechs; mecid++) {
        const index = mechIndex(netuid, mecid)
        for (const {epoch, commits} of commitLists(st, index)) {
          if (epoch + period > current) continue
          const keep: Commit[] = []
          for (const c of commits) {
            const w = open(st, c)
            if (w === undefined) {
              if (epoch + period + STALE_EPOCHS > current) keep.push(c)
              continue
            }
            if (w === null) continue
            const who = c[0]
            try {
              applyWeights({...ctx, signer: who}, who, {netuid, mecid, ...w}, true)
              ctx.emit('SubtensorModule', 'TimelockedWeightsRevealed', [index, who])
            } catch (e) {
              if (!(e instanceof DispatchFailure)) throw e
              // weights that fail the set_weights rules are dropped, as the pallet does
            }
          }
          if (keep.length) st.set(S, 'timelockedWeightCommits', [index, epoch], keep)
          else st.delete(S, 'timelockedWeightCommits', index, epoch)
        }
      }
    },
  }
}
