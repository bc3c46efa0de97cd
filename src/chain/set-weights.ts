import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {decodeAddress} from '@polkadot/util-crypto'
import {z} from 'zod'

import type {SubtensorClient} from './client.js'
import {type Codec, num, readStorage} from './codec.js'
import type {CommitStore, PendingCommit} from './commit-store.js'
import {ChainCallError} from './errors.js'
import type {Hyperparameters} from './reads.js'
import {lastUpdates} from './reads.js'
import {chainInfoFromBeaconConfig, encryptForRound, revealRound} from './timelock.js'
import {assertU16Weights, type U16Weights} from './weights.js'

/** Weights on chain: set_weights, commit_weights / reveal_weights, commit_timelocked_weights (docs/ARCHITECTURE.md § Chain). */

export type WeightsPath = 'set_weights' | 'commit_weights' | 'commit_timelocked_weights'

export interface WeightsOutcome {
  path: WeightsPath
  revealRound?: number
  revealBlock?: number
}

const beaconConfigSchema = z.object({
  publicKey: z.string(),
  period: z.number(),
  genesisTime: z.number(),
  hash: z.string(),
  groupHash: z.string(),
  schemeId: z.string(),
  metadata: z.object({beaconId: z.string()}),
})

/** Blocks until `uid` may set weights again (0 = now), from LastUpdate and the rate limit. */
export async function blocksUntilWeightsAllowed(client: SubtensorClient, netuid: number, uid: number): Promise<number> {
  const [hp, block, last] = await Promise.all([client.hyperparameters(netuid), client.currentBlock(), lastUpdates(client.api, netuid)])
  const lastUpdate = last[uid] ?? 0
  if (lastUpdate === 0) return 0
  return Math.max(0, lastUpdate + hp.weightsRateLimit - block)
}

/**
 * u16 weights through whatever the subnet and runtime require: `set_weights` when commit-reveal is off, else
 * `commit_timelocked_weights` where the runtime has it, else `commit_weights` (salt kept in `store` for the reveal).
 * The rate limit is checked first.
 */
export async function setU16Weights(
  client: SubtensorClient,
  store: CommitStore,
  hotkey: KeyringPair,
  netuid: number,
  emit: U16Weights,
  opts: {versionKey?: number} = {},
): Promise<WeightsOutcome> {
  assertU16Weights(emit)
  if (emit.uids.length === 0) throw new Error('no positive weights to set')
  const uid = await client.uidOf(netuid, hotkey.address)
  if (uid === undefined) throw new Error(`hotkey ${hotkey.address} is not registered on netuid ${netuid}`)
  const wait = await blocksUntilWeightsAllowed(client, netuid, uid)
  if (wait > 0) throw new ChainCallError(`weights rate limit: netuid ${netuid} allows the next weights in ${wait} blocks`, 'RateLimit')
  const hp = await client.hyperparameters(netuid)
  const versionKey = opts.versionKey ?? hp.weightsVersionKey
  if (!hp.commitRevealWeightsEnabled) {
    await client.submit(client.api.tx.subtensorModule!.setWeights!(netuid, emit.uids, emit.weights, versionKey), hotkey, {netuid})
    return {path: 'set_weights'}
  }
  if (client.features.timelockedWeights) {
    const r = await commitTimelocked(client, hotkey, netuid, emit.uids, emit.weights, versionKey, hp)
    return {path: 'commit_timelocked_weights', ...r}
  }
  await commitWeights(client, store, hotkey, netuid, emit.uids, emit.weights, versionKey)
  return {path: 'commit_weights'}
}

/** The SCALE payload the pallet decrypts: WeightsTlockPayload {hotkey: Vec<u8>, uids, values: Vec<u16>, version_key: u64}. */
export function tlockPayload(client: SubtensorClient, hotkey: string, uids: number[], values: number[], versionKey: number): Uint8Array {
  return client.api.registry.createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', [Array.from(decodeAddress(hotkey)), uids, values, versionKey]).toU8a()
}

export async function commitTimelocked(
  client: SubtensorClient,
  hotkey: KeyringPair,
  netuid: number,
  uids: number[],
  values: number[],
  versionKey: number,
  hp?: Hyperparameters,
): Promise<{revealRound: number; revealBlock: number}> {
  const api = client.api
  const h = hp ?? (await client.hyperparameters(netuid))
  const rawCfg = await api.query.drand?.beaconConfig?.()
  if (!rawCfg) throw new Error('the runtime has timelocked weights but no Drand.BeaconConfig')
  const info = chainInfoFromBeaconConfig(beaconConfigSchema.parse((rawCfg as Codec).toJSON()))
  const [block, blockTime] = await Promise.all([client.currentBlock(), client.estimateBlockTime()])
  const r = revealRound({
    currentBlock: block,
    netuid,
    tempo: h.tempo,
    revealPeriodEpochs: h.revealPeriodEpochs,
    blockTimeS: blockTime.seconds,
    nowS: Date.now() / 1000,
    genesisTime: info.genesis_time,
    period: info.period,
  })
  const commit = await encryptForRound(r.revealRound, tlockPayload(client, hotkey.address, uids, values, versionKey), info)
  const versionRaw = await readStorage(api, 'commitRevealWeightsVersion')
  const version = versionRaw === undefined ? 4 : num(versionRaw)
  await client.submit(api.tx.subtensorModule!.commitTimelockedWeights!(netuid, u8aToHex(commit), r.revealRound, version), hotkey, {netuid})
  return r
}

/** commit_weights with a random salt; the salt and weights stay in `store` until revealWeights succeeds. */
export async function commitWeights(
  client: SubtensorClient,
  store: CommitStore,
  hotkey: KeyringPair,
  netuid: number,
  uids: number[],
  values: number[],
  versionKey: number,
): Promise<PendingCommit> {
  const salt = Array.from(crypto.getRandomValues(new Uint16Array(8)))
  const hash = client.commitHash(hotkey.address, netuid, uids, values, salt, versionKey)
  const pending: PendingCommit = {netuid, hotkey: hotkey.address, uids, weights: values, salt, versionKey, commitBlock: 0, hash}
  await store.save(pending)
  await client.submit(client.api.tx.subtensorModule!.commitWeights!(netuid, hash), hotkey, {netuid})
  pending.commitBlock = await client.currentBlock()
  await store.save(pending)
  return pending
}

/** reveal_weights for the commit kept in `store`; it is removed once the reveal is included. */
export async function revealWeights(client: SubtensorClient, store: CommitStore, hotkey: KeyringPair, netuid: number): Promise<boolean> {
  const p = store.load(netuid, hotkey.address)
  if (!p) return false
  await client.submit(client.api.tx.subtensorModule!.revealWeights!(netuid, p.uids, p.weights, p.salt, p.versionKey), hotkey, {netuid})
  store.remove(netuid, hotkey.address)
  return true
}
