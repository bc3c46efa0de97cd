import {hexToU8a, u8aToBigInt} from '@polkadot/util'
import {encodeAddress} from '@polkadot/util-crypto'

import type {Block, Chain, RuntimeModule} from './chain.js'
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
  /** the devnet's drand beacon (its `client()` is what clients encrypt with) */
  beacon(st: Storage): TestBeacon
  /** reveal the timelocked commits of a subnet that are due (called at the subnet's epoch, before consensus) */
  revealDue(ctx: Omit<DispatchContext, 'signer'>, netuid: number): void
  /** start decrypting commits whose round is public (after each block) */
  onSealed(chain: Chain, block: Block): void
  /** wait for decryptions in flight */
  settle(): Promise<void>
}

/**
 * `commit_timelocked_weights` on the devnet. The commit is the UTF-8 text tlock-js's `timelockEncrypt(revealRound,
 * payload, client)` returns (age armour), encrypted to the devnet's test beacon (Drand.BeaconConfig); the payload is
 * the SCALE encoding of the pallet's `WeightsTlockPayload {hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>,
 * version_key: u64}`. When the reveal epoch comes and the round's pulse is in Drand.Pulses, the weights are applied
 * with the set_weights rules and `TimelockedWeightsRevealed` is emitted.
 */
export function timelockModule(genesis: Genesis): TimelockModule {
  let beacon: TestBeacon | undefined
  const plain = new Map<string, Uint8Array | Error>()
  const inflight = new Map<string, Promise<void>>()

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
    onSealed(chain) {
      const st = chain.st
      const last = st.num('drand', 'lastStoredRound')
      const prefix = st.prefix(S, 'timelockedWeightCommits')
      for (const key of st.keysWithPrefix(prefix)) {
        const commits = (st.registry.createType('Vec<(AccountId32, u64, Bytes, u64)>', hexToU8a(st.map.get(key)!)).toJSON() ??
          []) as Commit[]
        for (const [, , ct, round] of commits) {
          if (Number(round) > last || plain.has(ct) || inflight.has(ct)) continue
          const p = decryptCommit(getBeacon(st), hexToU8a(ct))
            .then((pt) => void plain.set(ct, pt))
            .catch((e: unknown) => void plain.set(ct, e instanceof Error ? e : new Error(String(e))))
            .finally(() => inflight.delete(ct))
          inflight.set(ct, p)
        }
      }
    },
    async settle() {
      while (inflight.size) await Promise.all([...inflight.values()])
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
            const [who, , ct] = c
            const pt = plain.get(ct)
            if (!pt) {
              if (epoch + period + STALE_EPOCHS > current) keep.push(c)
              continue
            }
            plain.delete(ct)
            if (pt instanceof Error) continue // undecryptable: dropped, as the pallet does
            try {
              const [hotkey, uids, values, versionKey] = st.registry
                .createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', pt)
                .toJSON() as [string, number[], number[], number]
              if (encodeAddress(hexToU8a(hotkey), 42) !== who) continue
              applyWeights({...ctx, signer: who}, who, {netuid, mecid, uids, values, versionKey: BigInt(versionKey)}, true)
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

