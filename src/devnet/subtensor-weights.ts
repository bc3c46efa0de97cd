import {blake2AsHex} from '@polkadot/util-crypto'
import {u8aToHex} from '@polkadot/util'

import {commitHash, U16_MAX} from '../chain/rules.js'
import {type CallArgs, type DispatchContext, moduleFail} from './dispatch.js'
import type {Storage} from './storage.js'
import {big, epochIndex, firstBlockOfEpoch, hotkeyStake, mechIndex, MODULE, n, S, subnetExists, u16s, uidOf, vec} from './subtensor-storage.js'

/** Weights: set_weights, commit_weights / reveal_weights and commit_timelocked_weights, as the pallet checks them. */

const MAX_UNREVEALED_COMMITS = 10

export interface WeightsInput {
  netuid: number
  mecid: number
  uids: number[]
  values: number[]
  versionKey: bigint
}

/** The checks of the pallet's `do_set_weights`, then the write (weights max-upscaled to u16::MAX). */
export function applyWeights(ctx: DispatchContext, hotkey: string, w: WeightsInput, viaReveal: boolean): void {
  const st = ctx.st
  const {netuid, mecid, uids, values} = w
  if (!subnetExists(st, netuid)) moduleFail(ctx, MODULE, 'SubnetNotExists')
  if (mecid >= st.num(S, 'mechanismCountCurrent', netuid)) moduleFail(ctx, MODULE, 'MechanismDoesNotExist')
  if (!viaReveal && st.read(S, 'commitRevealWeightsEnabled', netuid)) moduleFail(ctx, MODULE, 'CommitRevealEnabled')
  if (uids.length !== values.length) moduleFail(ctx, MODULE, 'WeightVecNotEqualSize')
  const uid = uidOf(st, netuid, hotkey)
  if (uid === undefined) moduleFail(ctx, MODULE, 'HotKeyNotRegisteredInSubNet')
  const stakeThreshold = st.big(S, 'stakeThreshold')
  if (hotkeyStake(st, netuid, hotkey) < stakeThreshold) moduleFail(ctx, MODULE, 'NotEnoughStakeToSetWeights')
  if (w.versionKey < st.big(S, 'weightsVersionKey', netuid)) moduleFail(ctx, MODULE, 'IncorrectWeightVersionKey')
  const index = mechIndex(netuid, mecid)
  const last = Number(vec(st, 'lastUpdate', index)[uid] ?? 0)
  const limit = st.num(S, 'weightsSetRateLimit', netuid)
  if (!viaReveal && last !== 0 && ctx.block - last < limit) moduleFail(ctx, MODULE, 'SettingWeightsTooFast')
  const selfOnly = uids.length === 1 && uids[0] === uid
  // the permit the last epoch wrote (ValidatorPermit), as the pallet's check_validator_permit reads it: stake added
  // since counts from the next epoch
  if (!selfOnly && !vec(st, 'validatorPermit', netuid)[uid]) moduleFail(ctx, MODULE, 'NeuronNoValidatorPermit')
  if (new Set(uids).size !== uids.length) moduleFail(ctx, MODULE, 'DuplicateUids')
  const count = st.num(S, 'subnetworkN', netuid)
  if (uids.some((u) => u >= count)) moduleFail(ctx, MODULE, 'UidVecContainInvalidOne')
  if (uids.length > count) moduleFail(ctx, MODULE, 'UidsLengthExceedUidsInSubNet')
  if (!selfOnly && uids.length < Math.min(st.num(S, 'minAllowedWeights', netuid), count)) {
    moduleFail(ctx, MODULE, 'WeightVecLengthIsLow')
  }
  const max = Math.max(0, ...values)
  const scaled = values.map((v) => (max === 0 ? 0 : Math.round((v * U16_MAX) / max)))
  const sum = values.reduce((s, v) => s + v, 0)
  const maxLimit = st.num(S, 'maxWeightsLimit', netuid)
  if (!selfOnly && maxLimit < U16_MAX && sum > 0 && values.some((v) => Math.round((v * U16_MAX) / sum) > maxLimit)) {
    moduleFail(ctx, MODULE, 'MaxWeightExceeded')
  }
  const pairs = uids.map((u, i) => [u, scaled[i]!] as [number, number]).filter(([, v]) => v > 0)
  st.set(S, 'weights', [index, uid], pairs)
  const lu = vec(st, 'lastUpdate', index)
  while (lu.length < count) lu.push(0)
  lu[uid] = ctx.block
  st.set(S, 'lastUpdate', [index], lu)
  ctx.emit(MODULE, 'WeightsSet', [index, uid])
}

/**
 * The pallet's `check_rate_limit` (subnets/weights.rs): a neuron that never set weights (LastUpdate 0) passes; else
 * `block − LastUpdate[uid] ≥ WeightsSetRateLimit`. LastUpdate is read at the mechanism's storage index.
 */
export function withinRateLimit(st: Storage, netuid: number, index: number, uid: number, block: number): boolean {
  const last = Number(vec(st, 'lastUpdate', index)[uid] ?? 0)
  if (last === 0) return true
  return block - last >= st.num(S, 'weightsSetRateLimit', netuid)
}

/**
 * The pallet's `set_last_update_for_uid`: LastUpdate[index][uid] = block. (The pallet writes only inside the
 * vector; the devnet grows per-mechanism vectors lazily, so it pads them to SubnetworkN first, as applyWeights does.)
 */
export function setLastUpdateForUid(st: Storage, netuid: number, index: number, uid: number, block: number): void {
  const lu = vec(st, 'lastUpdate', index)
  const count = st.num(S, 'subnetworkN', netuid)
  while (lu.length < count) lu.push(0)
  if (uid >= lu.length) return
  lu[uid] = block
  st.set(S, 'lastUpdate', [index], lu)
}

/** The pallet's `ensure_mechanism_exists`: a missing subnet and a missing mechanism are both MechanismDoesNotExist. */
export function ensureMechanismExists(ctx: DispatchContext, netuid: number, mecid: number): void {
  if (!subnetExists(ctx.st, netuid) || mecid >= ctx.st.num(S, 'mechanismCountCurrent', netuid)) {
    moduleFail(ctx, MODULE, 'MechanismDoesNotExist')
  }
}

/**
 * `internal_commit_weights` (pallets/subtensor/src/subnets/weights.rs): mechanism exists, CommitRevealDisabled,
 * HotKeyNotRegisteredInSubNet, CommittingWeightsTooFast, expired commits dropped, TooManyUnrevealedCommits (< 10),
 * store, WeightsCommitted, then LastUpdate[uid] = commit block. WeightCommits keeps spec 343's tuple
 * (hash, commit_block, first_reveal_block, last_reveal_block).
 */
export function commitWeights(ctx: DispatchContext, netuid: number, mecid: number, hash: string): void {
  const st = ctx.st
  ensureMechanismExists(ctx, netuid, mecid)
  const index = mechIndex(netuid, mecid)
  if (!st.read(S, 'commitRevealWeightsEnabled', netuid)) moduleFail(ctx, MODULE, 'CommitRevealDisabled')
  const uid = uidOf(st, netuid, ctx.signer)
  if (uid === undefined) moduleFail(ctx, MODULE, 'HotKeyNotRegisteredInSubNet')
  if (!withinRateLimit(st, netuid, index, uid, ctx.block)) moduleFail(ctx, MODULE, 'CommittingWeightsTooFast')
  const now = epochIndex(st, netuid, ctx.block)
  const period = st.num(S, 'revealPeriodEpochs', netuid)
  const existing = ((st.read(S, 'weightCommits', index, ctx.signer) as unknown[][] | undefined) ?? []).filter(
    (c) => Number(c[3]) >= ctx.block,
  )
  if (existing.length >= MAX_UNREVEALED_COMMITS) moduleFail(ctx, MODULE, 'TooManyUnrevealedCommits')
  const first = firstBlockOfEpoch(st, netuid, now + period)
  const last = firstBlockOfEpoch(st, netuid, now + period + 1) - 1
  st.set(S, 'weightCommits', [index, ctx.signer], [...existing, [hash, ctx.block, first, last]])
  ctx.emit(MODULE, 'WeightsCommitted', [ctx.signer, index, hash])
  setLastUpdateForUid(st, netuid, index, uid, ctx.block)
}

export function revealWeights(ctx: DispatchContext, w: WeightsInput, salt: number[]): void {
  const st = ctx.st
  const index = mechIndex(w.netuid, w.mecid)
  if (!st.read(S, 'commitRevealWeightsEnabled', w.netuid)) moduleFail(ctx, MODULE, 'CommitRevealDisabled')
  const commits = (st.read(S, 'weightCommits', index, ctx.signer) as unknown[][] | undefined) ?? []
  if (commits.length === 0) moduleFail(ctx, MODULE, 'NoWeightsCommitFound')
  const hash = commitHash(ctx.st.registry, ctx.signer, index, w.uids, w.values, salt, w.versionKey)
  const i = commits.findIndex((c) => String(c[0]).toLowerCase() === hash)
  if (i < 0) moduleFail(ctx, MODULE, 'InvalidRevealCommitHashNotMatch')
  const [, , first, last] = commits[i]!.map(Number)
  if (ctx.block < first!) moduleFail(ctx, MODULE, 'RevealTooEarly')
  if (ctx.block > last!) moduleFail(ctx, MODULE, 'ExpiredWeightCommit')
  const rest = commits.filter((c, j) => j !== i && Number(c[3]) >= ctx.block)
  if (rest.length) st.set(S, 'weightCommits', [index, ctx.signer], rest)
  else st.delete(S, 'weightCommits', index, ctx.signer)
  applyWeights(ctx, ctx.signer, w, true)
  ctx.emit(MODULE, 'WeightsRevealed', [ctx.signer, index, hash])
}

/**
 * `internal_commit_timelocked_weights` (pallets/subtensor/src/subnets/weights.rs), checks in the pallet's order:
 * mechanism exists, CommitRevealDisabled, IncorrectCommitRevealVersion (≠ CommitRevealWeightsVersion),
 * HotKeyNotRegisteredInSubNet, CommittingWeightsTooFast, TooManyUnrevealedCommits (< 10 in this epoch's list);
 * then the commit is stored under the epoch it belongs to, TimelockedWeightsCommitted(who, netuid_index,
 * blake2_256(commit), reveal_round) is emitted and LastUpdate[uid] becomes the commit block — so a validator that
 * sets weights once `block − LastUpdate > tempo` does not commit again on every step until the reveal.
 */
export function commitTimelocked(ctx: DispatchContext, netuid: number, mecid: number, a: CallArgs): void {
  const st = ctx.st
  ensureMechanismExists(ctx, netuid, mecid)
  const index = mechIndex(netuid, mecid)
  if (!st.read(S, 'commitRevealWeightsEnabled', netuid)) moduleFail(ctx, MODULE, 'CommitRevealDisabled')
  if (n(a.commitRevealVersion) !== st.num(S, 'commitRevealWeightsVersion')) moduleFail(ctx, MODULE, 'IncorrectCommitRevealVersion')
  const uid = uidOf(st, netuid, ctx.signer)
  if (uid === undefined) moduleFail(ctx, MODULE, 'HotKeyNotRegisteredInSubNet')
  if (!withinRateLimit(st, netuid, index, uid, ctx.block)) moduleFail(ctx, MODULE, 'CommittingWeightsTooFast')
  // spec 343 has no SubnetEpochIndex counter: the epoch is the block's (= the pallet's look-ahead epoch)
  const epoch = epochIndex(st, netuid, ctx.block)
  const commit = (a.commit as unknown as {toU8a(raw: boolean): Uint8Array}).toU8a(true)
  const list = (st.read(S, 'timelockedWeightCommits', index, epoch) as unknown[][]) ?? []
  if (list.filter((c) => c[0] === ctx.signer).length >= MAX_UNREVEALED_COMMITS) moduleFail(ctx, MODULE, 'TooManyUnrevealedCommits')
  const round = big(a.revealRound)
  st.set(S, 'timelockedWeightCommits', [index, epoch], [...list, [ctx.signer, ctx.block, u8aToHex(commit), round]])
  ctx.emit(MODULE, 'TimelockedWeightsCommitted', [ctx.signer, index, blake2AsHex(commit, 256), round])
  setLastUpdateForUid(st, netuid, index, uid, ctx.block)
}

export const weightsArgs = (a: CallArgs, mecid: number, uidsKey: string, valuesKey: string): WeightsInput => ({
  netuid: n(a.netuid),
  mecid,
  uids: u16s(a[uidsKey]),
  values: u16s(a[valuesKey]),
  versionKey: big(a.versionKey),
})

