import {hexToU8a, u8aToHex} from '@polkadot/util'
import {blake2AsHex, decodeAddress, keccakAsU8a, sha256AsU8a} from '@polkadot/util-crypto'

import {commitHash, ipToInt, sealFromWork, sealMeetsDifficulty, type SealHashers, taoToRao, U16_MAX, workHash} from '../chain/rules.js'
import {resolveAccount} from './accounts.js'
import {burn, freeBalance, mutateFree} from './balances.js'
import type {Chain, RuntimeModule} from './chain.js'
import {type CallArgs, type CallHandler, type DispatchContext, moduleFail} from './dispatch.js'
import {runEpoch} from './epoch.js'
import type {Genesis} from './genesis.js'
import type {RuntimeApis} from './runtime-api.js'
import type {Storage} from './storage.js'

const S = 'subtensorModule'
const MODULE = 'SubtensorModule'
/** storage index of a mechanism's weights (`netuid + mecid·4096`, NetUidStorageIndex in the pallet) */
export const mechIndex = (netuid: number, mecid: number): number => netuid + mecid * 4096
const MAX_UNREVEALED_COMMITS = 10

/** Per-neuron vectors kept per subnet (index = uid); storage name → default element. */
const NEURON_VECTORS: [string, unknown][] = [
  ['active', true],
  ['rank', 0],
  ['trust', 0],
  ['consensus', 0],
  ['incentive', 0],
  ['dividends', 0],
  ['emission', 0],
  ['lastUpdate', 0],
  ['validatorTrust', 0],
  ['pruningScores', 0],
  ['validatorPermit', false],
]
/** vectors stored per mechanism index rather than per netuid */
const MECH_VECTORS = new Set(['incentive', 'lastUpdate'])

const n = (c: unknown): number => Number((c as {toString(): string}).toString())
const big = (c: unknown): bigint => (c as {toBigInt(): bigint}).toBigInt()
const u16s = (c: unknown): number[] => (c as {map<T>(f: (x: unknown) => T): T[]}).map((x) => n(x))

export function vec(st: Storage, item: string, netuid: number): unknown[] {
  return (st.read(S, item, netuid) as unknown[]) ?? []
}

export function subnetExists(st: Storage, netuid: number): boolean {
  return Boolean(st.read(S, 'networksAdded', netuid))
}

export function uidOf(st: Storage, netuid: number, hotkey: string): number | undefined {
  const v = st.get(S, 'uids', netuid, hotkey)
  return v === undefined ? undefined : n(v)
}

export function hotkeyStake(st: Storage, netuid: number, hotkey: string): bigint {
  return st.big(S, 'totalHotkeyAlpha', hotkey, netuid)
}

function setVecAt(st: Storage, item: string, index: number, uid: number, value: unknown): void {
  const v = vec(st, item, index)
  v[uid] = value
  st.set(S, item, [index], v)
}

/** DefaultMinStake in the pallet (2_000_000 rao): the least a stake operation may move. */
export const MIN_STAKE = 2_000_000n

const bitsOf = (c: unknown): bigint => (c as {bits: {toBigInt(): bigint}}).bits.toBigInt()
/** U64F64 ↔ bigint: the integer part is bits >> 64 */
const FRAC = 64n

/**
 * A coldkey's stake on a hotkey, as the pallet's share pool values it: Alpha(hotkey, coldkey, netuid) shares out of
 * TotalHotkeyShares, of TotalHotkeyAlpha (so emission added to the hotkey grows every staker's part).
 */
export function coldkeyStake(st: Storage, netuid: number, hotkey: string, coldkey: string): bigint {
  const share = bitsOf(st.get(S, 'alpha', hotkey, coldkey, netuid))
  const denom = bitsOf(st.get(S, 'totalHotkeyShares', hotkey, netuid))
  if (share === 0n || denom === 0n) return 0n
  return (share * hotkeyStake(st, netuid, hotkey)) / denom
}

function addStake(st: Storage, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
  const value = hotkeyStake(st, netuid, hotkey)
  const denom = bitsOf(st.get(S, 'totalHotkeyShares', hotkey, netuid))
  // the first stake (or one into an emptied pool) issues one share per rao; later ones at the pool's price
  const shares = denom === 0n || value === 0n ? amount << FRAC : (amount * denom) / value
  st.set(S, 'totalHotkeyAlpha', [hotkey, netuid], value + amount)
  st.set(S, 'totalHotkeyShares', [hotkey, netuid], {bits: denom + shares})
  st.set(S, 'alpha', [hotkey, coldkey, netuid], {bits: bitsOf(st.get(S, 'alpha', hotkey, coldkey, netuid)) + shares})
  const staking = (st.read(S, 'stakingHotkeys', coldkey) as string[]) ?? []
  if (!staking.includes(hotkey)) st.set(S, 'stakingHotkeys', [coldkey], [...staking, hotkey])
}

/** Take `amount` of the coldkey's stake out of the hotkey's pool (the caller checked it holds that much). */
function removeStake(st: Storage, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
  const value = hotkeyStake(st, netuid, hotkey)
  const denom = bitsOf(st.get(S, 'totalHotkeyShares', hotkey, netuid))
  const share = bitsOf(st.get(S, 'alpha', hotkey, coldkey, netuid))
  const all = amount >= coldkeyStake(st, netuid, hotkey, coldkey)
  const burnt = all ? share : (amount * denom + value - 1n) / value
  st.set(S, 'totalHotkeyAlpha', [hotkey, netuid], value - amount)
  st.set(S, 'totalHotkeyShares', [hotkey, netuid], {bits: denom - burnt})
  if (share - burnt === 0n) st.delete(S, 'alpha', hotkey, coldkey, netuid)
  else st.set(S, 'alpha', [hotkey, coldkey, netuid], {bits: share - burnt})
}

/** Append a neuron, or replace the lowest-pruning-score one when the subnet is full (immune neurons last). */
export function registerNeuron(st: Storage, netuid: number, hotkey: string, coldkey: string, block: number): number {
  const count = st.num(S, 'subnetworkN', netuid)
  const max = st.num(S, 'maxAllowedUids', netuid)
  let uid: number
  if (count < max) {
    uid = count
    st.set(S, 'subnetworkN', [netuid], count + 1)
    for (const [item, dflt] of NEURON_VECTORS) setVecAt(st, item, netuid, uid, dflt)
  } else {
    const immunity = st.num(S, 'immunityPeriod', netuid)
    const scores = vec(st, 'pruningScores', netuid).map(Number)
    const candidates = [...Array(count).keys()].map((u) => ({
      u,
      immune: block - st.num(S, 'blockAtRegistration', netuid, u) < immunity,
      score: scores[u] ?? 0,
    }))
    candidates.sort((a, b) => Number(a.immune) - Number(b.immune) || a.score - b.score || a.u - b.u)
    uid = candidates[0]!.u
    const old = st.get(S, 'keys', netuid, uid)!.toString()
    st.delete(S, 'uids', netuid, old)
    st.delete(S, 'axons', netuid, old)
    st.delete(S, 'weights', netuid, uid)
    for (const [item, dflt] of NEURON_VECTORS) setVecAt(st, item, netuid, uid, item === 'active' ? true : dflt)
  }
  st.set(S, 'keys', [netuid, uid], hotkey)
  st.set(S, 'uids', [netuid, hotkey], uid)
  st.set(S, 'blockAtRegistration', [netuid, uid], block)
  if (st.get(S, 'owner', hotkey)!.toString() === ZERO_ACCOUNT) st.set(S, 'owner', [hotkey], coldkey)
  const staking = (st.read(S, 'stakingHotkeys', coldkey) as string[]) ?? []
  if (!staking.includes(hotkey)) st.set(S, 'stakingHotkeys', [coldkey], [...staking, hotkey])
  return uid
}

const ZERO_ACCOUNT = '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM'

function checkRegistrationLimits(ctx: DispatchContext, netuid: number, hotkey: string): void {
  const st = ctx.st
  if (netuid === 0) moduleFail(ctx, MODULE, 'RegistrationNotPermittedOnRootSubnet')
  if (!subnetExists(st, netuid)) moduleFail(ctx, MODULE, 'SubnetNotExists')
  if (st.num(S, 'registrationsThisBlock', netuid) >= st.num(S, 'maxRegistrationsPerBlock', netuid)) {
    moduleFail(ctx, MODULE, 'TooManyRegistrationsThisBlock')
  }
  if (st.num(S, 'registrationsThisInterval', netuid) >= st.num(S, 'targetRegistrationsPerInterval', netuid) * 3) {
    moduleFail(ctx, MODULE, 'TooManyRegistrationsThisInterval')
  }
  if (uidOf(st, netuid, hotkey) !== undefined) moduleFail(ctx, MODULE, 'HotKeyAlreadyRegisteredInSubNet')
}

function finishRegistration(ctx: DispatchContext, netuid: number, hotkey: string, coldkey: string): void {
  const st = ctx.st
  const owner = st.get(S, 'owner', hotkey)!.toString()
  if (owner !== ZERO_ACCOUNT && owner !== coldkey) moduleFail(ctx, MODULE, 'NonAssociatedColdKey')
  const uid = registerNeuron(st, netuid, hotkey, coldkey, ctx.block)
  st.set(S, 'registrationsThisBlock', [netuid], st.num(S, 'registrationsThisBlock', netuid) + 1)
  st.set(S, 'registrationsThisInterval', [netuid], st.num(S, 'registrationsThisInterval', netuid) + 1)
  ctx.emit(MODULE, 'NeuronRegistered', [netuid, uid, hotkey])
}

function burnedRegister(ctx: DispatchContext, netuid: number, hotkey: string): void {
  const st = ctx.st
  checkRegistrationLimits(ctx, netuid, hotkey)
  if (!st.read(S, 'networkRegistrationAllowed', netuid)) moduleFail(ctx, MODULE, 'SubNetRegistrationDisabled')
  const cost = st.big(S, 'burn', netuid)
  if (freeBalance(st, ctx.signer) < cost) moduleFail(ctx, MODULE, 'NotEnoughBalanceToStake')
  burn(st, ctx.signer, cost)
  finishRegistration(ctx, netuid, hotkey, ctx.signer)
}

/** Hashers for the seal rules: @polkadot/util-crypto's, independent of the client's hash-wasm. */
const SEAL_HASHERS: SealHashers = {keccak256: (d) => keccakAsU8a(d, 256), sha256: (d) => sha256AsU8a(d)}

/** The PoW seal (src/chain/rules.ts, docs/ARCHITECTURE.md § Chain): keccak256(sha256(nonce_le ‖ keccak256(block_hash ‖ hotkey))). */
export function sealHash(blockHash: Uint8Array, hotkey: Uint8Array, nonce: bigint): Uint8Array {
  return sealFromWork(SEAL_HASHERS, workHash(SEAL_HASHERS, blockHash, hotkey), nonce)
}

export {sealMeetsDifficulty}

function powRegister(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const netuid = n(a.netuid)
  const hotkey = a.hotkey!.toString()
  if (ctx.signer !== hotkey) moduleFail(ctx, MODULE, 'TransactorAccountShouldBeHotKey')
  checkRegistrationLimits(ctx, netuid, hotkey)
  if (!st.read(S, 'networkPowRegistrationAllowed', netuid)) moduleFail(ctx, MODULE, 'SubNetRegistrationDisabled')
  const blockNumber = n(a.blockNumber)
  if (blockNumber > ctx.block || ctx.block - blockNumber >= 3) moduleFail(ctx, MODULE, 'InvalidWorkBlock')
  const hash = ctx.blockHash(blockNumber)
  if (!hash) moduleFail(ctx, MODULE, 'InvalidWorkBlock')
  const seal = sealHash(Buffer.from(hash.slice(2), 'hex'), decodeAddress(hotkey), big(a.nonce))
  const work = (a.work as unknown as {toU8a(raw: boolean): Uint8Array}).toU8a(true)
  if (u8aToHex(work) !== u8aToHex(seal)) moduleFail(ctx, MODULE, 'InvalidSeal')
  if (!sealMeetsDifficulty(seal, st.big(S, 'difficulty', netuid))) moduleFail(ctx, MODULE, 'InvalidDifficulty')
  finishRegistration(ctx, netuid, hotkey, a.coldkey!.toString())
}

function serveAxon(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const netuid = n(a.netuid)
  if (uidOf(st, netuid, ctx.signer) === undefined) moduleFail(ctx, MODULE, 'HotKeyNotRegisteredInNetwork')
  const ipType = n(a.ipType)
  if (ipType !== 4 && ipType !== 6) moduleFail(ctx, MODULE, 'InvalidIpType')
  const ip = big(a.ip)
  // unlike finney, loopback addresses are allowed: the devnet's neurons usually run on one machine
  if (ip === 0n || (ipType === 4 && ip >= 0xffffffffn)) moduleFail(ctx, MODULE, 'InvalidIpAddress')
  if (n(a.port) === 0) moduleFail(ctx, MODULE, 'InvalidPort')
  const prev = st.get(S, 'axons', netuid, ctx.signer)
  const limit = st.num(S, 'servingRateLimit', netuid)
  if (prev && limit > 0 && ctx.block - n((prev as unknown as {block: unknown}).block) < limit) {
    moduleFail(ctx, MODULE, 'ServingRateLimitExceeded')
  }
  st.set(S, 'axons', [netuid, ctx.signer], {
    block: ctx.block,
    version: a.version,
    ip,
    port: a.port,
    ipType,
    protocol: a.protocol,
    placeholder1: a.placeholder1,
    placeholder2: a.placeholder2,
  })
  ctx.emit(MODULE, 'AxonServed', [netuid, ctx.signer])
}

/** Validator permits as the epoch would give them now: the top `MaxAllowedValidators` neurons by stake (> 0). */
export function permits(st: Storage, netuid: number): boolean[] {
  const count = st.num(S, 'subnetworkN', netuid)
  const k = st.num(S, 'maxAllowedValidators', netuid)
  const stakes = [...Array(count).keys()].map((u) => hotkeyStake(st, netuid, st.get(S, 'keys', netuid, u)!.toString()))
  const order = [...stakes.keys()].filter((u) => stakes[u]! > 0n).sort((a, b) => (stakes[b]! > stakes[a]! ? 1 : stakes[b]! < stakes[a]! ? -1 : a - b))
  const out = new Array<boolean>(count).fill(false)
  for (const u of order.slice(0, k)) out[u] = true
  return out
}

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

/** Epoch number of a block for a subnet, as the pallet counts it. */
export function epochIndex(st: Storage, netuid: number, block: number): number {
  const tempo = st.num(S, 'tempo', netuid)
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

function firstBlockOfEpoch(st: Storage, netuid: number, epoch: number): number {
  return epoch * (st.num(S, 'tempo', netuid) + 1) - netuid - 1
}

/**
 * The pallet's `check_rate_limit` (subnets/weights.rs): a neuron that never set weights (LastUpdate 0) passes; else
 * `block − LastUpdate[uid] ≥ WeightsSetRateLimit`. LastUpdate is read at the mechanism's storage index.
 */
function withinRateLimit(st: Storage, netuid: number, index: number, uid: number, block: number): boolean {
  const last = Number(vec(st, 'lastUpdate', index)[uid] ?? 0)
  if (last === 0) return true
  return block - last >= st.num(S, 'weightsSetRateLimit', netuid)
}

/**
 * The pallet's `set_last_update_for_uid`: LastUpdate[index][uid] = block. (The pallet writes only inside the
 * vector; the devnet grows per-mechanism vectors lazily, so it pads them to SubnetworkN first, as applyWeights does.)
 */
function setLastUpdateForUid(st: Storage, netuid: number, index: number, uid: number, block: number): void {
  const lu = vec(st, 'lastUpdate', index)
  const count = st.num(S, 'subnetworkN', netuid)
  while (lu.length < count) lu.push(0)
  if (uid >= lu.length) return
  lu[uid] = block
  st.set(S, 'lastUpdate', [index], lu)
}

/** The pallet's `ensure_mechanism_exists`: a missing subnet and a missing mechanism are both MechanismDoesNotExist. */
function ensureMechanismExists(ctx: DispatchContext, netuid: number, mecid: number): void {
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
function commitWeights(ctx: DispatchContext, netuid: number, mecid: number, hash: string): void {
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

function revealWeights(ctx: DispatchContext, w: WeightsInput, salt: number[]): void {
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
function commitTimelocked(ctx: DispatchContext, netuid: number, mecid: number, a: CallArgs): void {
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

/** The pallet's `validate_add_stake` checks in its order, then the stake (devnet pool: 1 TAO buys 1 alpha, no fee). */
function addStakeCall(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const netuid = n(a.netuid)
  const hotkey = a.hotkey!.toString()
  const amount = big(a.amountStaked)
  if (!subnetExists(st, netuid)) moduleFail(ctx, MODULE, 'SubnetNotExists')
  if (amount < MIN_STAKE) moduleFail(ctx, MODULE, 'AmountTooLow')
  if (freeBalance(st, ctx.signer) < amount) moduleFail(ctx, MODULE, 'NotEnoughBalanceToStake')
  if (st.get(S, 'owner', hotkey)!.toString() === ZERO_ACCOUNT) moduleFail(ctx, MODULE, 'HotKeyAccountNotExists')
  mutateFree(st, ctx.signer, -amount)
  addStake(st, hotkey, ctx.signer, netuid, amount)
  st.set(S, 'stakingOperationRateLimiter', [hotkey, ctx.signer, netuid], true)
  ctx.emit(MODULE, 'StakeAdded', [ctx.signer, hotkey, amount, amount, netuid, 0n])
}

/**
 * The pallet's `validate_remove_stake` (staking/stake_utils.rs) in its order: SubnetNotExists, one stake operation per
 * (hotkey, coldkey, netuid) per block (StakingOperationRateLimitExceeded), AmountTooLow (zero), NotEnoughStakeToWithdraw,
 * AmountTooLow (what is left would be dust and the TAO out is below DefaultMinStake), HotKeyAccountNotExists.
 */
function removeStakeCall(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const netuid = n(a.netuid)
  const hotkey = a.hotkey!.toString()
  const amount = big(a.amountUnstaked)
  if (!subnetExists(st, netuid)) moduleFail(ctx, MODULE, 'SubnetNotExists')
  if (st.read(S, 'stakingOperationRateLimiter', hotkey, ctx.signer, netuid)) moduleFail(ctx, MODULE, 'StakingOperationRateLimitExceeded')
  if (amount === 0n) moduleFail(ctx, MODULE, 'AmountTooLow')
  const held = coldkeyStake(st, netuid, hotkey, ctx.signer)
  if (held < amount) moduleFail(ctx, MODULE, 'NotEnoughStakeToWithdraw')
  if (held > amount && amount < MIN_STAKE) moduleFail(ctx, MODULE, 'AmountTooLow')
  if (st.get(S, 'owner', hotkey)!.toString() === ZERO_ACCOUNT) moduleFail(ctx, MODULE, 'HotKeyAccountNotExists')
  removeStake(st, hotkey, ctx.signer, netuid, amount)
  mutateFree(st, ctx.signer, amount)
  ctx.emit(MODULE, 'StakeRemoved', [ctx.signer, hotkey, amount, amount, netuid, 0n])
}

const weightsArgs = (a: CallArgs, mecid: number, uidsKey: string, valuesKey: string): WeightsInput => ({
  netuid: n(a.netuid),
  mecid,
  uids: u16s(a[uidsKey]),
  values: u16s(a[valuesKey]),
  versionKey: big(a.versionKey),
})

export interface SubtensorModule extends RuntimeModule {
  genesis(chain: Chain, g: Genesis): void
  runtimeApis(apis: RuntimeApis): void
}

/** The SubtensorModule calls a neuron uses, with the pallet's rules and error names. */
export function subtensorModule(
  genesis: Genesis,
  hooks: {beforeEpoch?(ctx: Omit<DispatchContext, 'signer'>, netuid: number): void} = {},
): SubtensorModule {
  const calls: Record<string, CallHandler> = {
    [`${S}.burnedRegister`]: (ctx, a) => burnedRegister(ctx, n(a.netuid), a.hotkey!.toString()),
    [`${S}.register`]: (ctx, a) =>
      genesis.powRegistration ? powRegister(ctx, a) : burnedRegister(ctx, n(a.netuid), a.hotkey!.toString()),
    [`${S}.serveAxon`]: serveAxon,
    [`${S}.addStake`]: addStakeCall,
    [`${S}.removeStake`]: removeStakeCall,
    [`${S}.setWeights`]: (ctx, a) => applyWeights(ctx, ctx.signer, weightsArgs(a, 0, 'dests', 'weights'), false),
    [`${S}.setMechanismWeights`]: (ctx, a) =>
      applyWeights(ctx, ctx.signer, weightsArgs(a, n(a.mecid), 'dests', 'weights'), false),
    [`${S}.commitWeights`]: (ctx, a) => commitWeights(ctx, n(a.netuid), 0, a.commitHash!.toHex()),
    [`${S}.commitMechanismWeights`]: (ctx, a) => commitWeights(ctx, n(a.netuid), n(a.mecid), a.commitHash!.toHex()),
    [`${S}.revealWeights`]: (ctx, a) => revealWeights(ctx, weightsArgs(a, 0, 'uids', 'values'), u16s(a.salt)),
    [`${S}.revealMechanismWeights`]: (ctx, a) =>
      revealWeights(ctx, weightsArgs(a, n(a.mecid), 'uids', 'values'), u16s(a.salt)),
    [`${S}.commitTimelockedWeights`]: (ctx, a) => commitTimelocked(ctx, n(a.netuid), 0, a),
    [`${S}.commitTimelockedMechanismWeights`]: (ctx, a) => commitTimelocked(ctx, n(a.netuid), n(a.mecid), a),
  }
  return {
    calls,
    genesis(chain, g) {
      const st = chain.st
      st.set(S, 'totalNetworks', [], g.subnets.length + 1)
      for (const s of g.subnets) {
        const id = s.netuid
        const put = (item: string, v: unknown) => st.set(S, item, [id], v)
        put('networksAdded', true)
        put('tempo', s.tempo)
        put('burn', taoToRao(s.burn))
        put('minBurn', taoToRao(s.minBurn))
        put('maxBurn', taoToRao(s.maxBurn))
        put('difficulty', s.difficulty)
        put('maxAllowedUids', s.maxAllowedUids)
        put('maxAllowedValidators', s.maxAllowedValidators)
        put('immunityPeriod', s.immunityPeriod)
        put('weightsSetRateLimit', s.weightsSetRateLimit)
        put('minAllowedWeights', s.minAllowedWeights)
        put('maxWeightsLimit', s.maxWeightsLimit)
        put('weightsVersionKey', s.weightsVersionKey)
        put('commitRevealWeightsEnabled', s.commitRevealWeightsEnabled)
        put('revealPeriodEpochs', s.revealPeriodEpochs)
        put('networkRegistrationAllowed', s.networkRegistrationAllowed)
        put('networkPowRegistrationAllowed', genesis.powRegistration && s.networkPowRegistrationAllowed)
        put('maxRegistrationsPerBlock', s.maxRegistrationsPerBlock)
        put('targetRegistrationsPerInterval', s.targetRegistrationsPerInterval)
        put('servingRateLimit', 0)
        put('subnetOwner', resolveAccount(s.owner))
        put('subnetworkN', 0)
      }
      for (const nr of g.neurons) {
        const hotkey = resolveAccount(nr.hotkey)
        const coldkey = resolveAccount(nr.coldkey)
        registerNeuron(st, nr.netuid, hotkey, coldkey, 0)
        if (nr.stake > 0) addStake(st, hotkey, coldkey, nr.netuid, taoToRao(nr.stake))
        if (nr.axon) {
          const {value, ipType} = ipToInt(nr.axon.ip)
          st.set(S, 'axons', [nr.netuid, hotkey], {
            block: 0,
            version: 0,
            ip: value,
            port: nr.axon.port,
            ipType,
            protocol: nr.axon.protocol,
            placeholder1: 0,
            placeholder2: 0,
          })
        }
      }
      // genesis stake counts as if an epoch had run: staked genesis neurons start with their validator permits
      for (const s of g.subnets) st.set(S, 'validatorPermit', [s.netuid], permits(st, s.netuid))
    },
    onInitialize(ctx) {
      const st = ctx.st
      // the pallet clears the one-stake-operation-per-block limiter every block
      for (const k of st.keysWithPrefix(st.prefix(S, 'stakingOperationRateLimiter'))) st.map.delete(k)
      for (const netuid of subnets(st)) {
        st.set(S, 'registrationsThisBlock', [netuid], 0)
        const interval = st.num(S, 'tempo', netuid) + 1
        if (ctx.block % interval === 0) st.set(S, 'registrationsThisInterval', [netuid], 0)
      }
    },
    onFinalize(ctx) {
      const st = ctx.st
      for (const netuid of subnets(st)) {
        const tempo = st.num(S, 'tempo', netuid)
        if ((ctx.block + netuid + 1) % (tempo + 1) === 0) {
          hooks.beforeEpoch?.(ctx, netuid)
          runEpoch(st, netuid, ctx.block, taoToRao(genesis.subnets.find((s) => s.netuid === netuid)?.emissionPerBlock ?? 1) * BigInt(tempo + 1))
        }
      }
    },
    runtimeApis(apis) {
      apis.register('NeuronInfoRuntimeApi_get_neurons_lite', (chain, [netuid]) => {
        const id = Number(netuid!.toString())
        const count = chain.st.num(S, 'subnetworkN', id)
        return [...Array(count).keys()].map((uid) => neuronLite(chain.st, id, uid))
      })
      apis.register('NeuronInfoRuntimeApi_get_neuron_lite', (chain, [netuid, uid]) => {
        const id = Number(netuid!.toString())
        const u = Number(uid!.toString())
        return u < chain.st.num(S, 'subnetworkN', id) ? neuronLite(chain.st, id, u) : null
      })
    },
  }
}

/** NeuronInfoLite as the runtime API returns it, from the same storage the maps expose. */
function neuronLite(st: Storage, netuid: number, uid: number): Record<string, unknown> {
  const hotkey = st.get(S, 'keys', netuid, uid)!.toString()
  const at = (item: string, index = netuid) => vec(st, item, index)[uid] ?? 0
  const axon = st.get(S, 'axons', netuid, hotkey)?.toJSON() ?? {}
  return {
    hotkey,
    coldkey: st.get(S, 'owner', hotkey)!.toString(),
    uid,
    netuid,
    active: Boolean(vec(st, 'active', netuid)[uid] ?? true),
    axonInfo: axon,
    prometheusInfo: {},
    stake: [[st.get(S, 'owner', hotkey)!.toString(), hotkeyStake(st, netuid, hotkey)]],
    rank: at('rank'),
    emission: at('emission'),
    incentive: at('incentive'),
    consensus: at('consensus'),
    trust: at('trust'),
    validatorTrust: at('validatorTrust'),
    dividends: at('dividends'),
    lastUpdate: at('lastUpdate'),
    validatorPermit: Boolean(vec(st, 'validatorPermit', netuid)[uid] ?? false),
    pruningScore: at('pruningScores'),
  }
}

export function subnets(st: Storage): number[] {
  const prefix = st.prefix(S, 'networksAdded')
  return st
    .keysWithPrefix(prefix)
    .map((k) => st.registry.createType('u16', hexToU8a('0x' + k.slice(prefix.length))).toNumber())
    .sort((a, b) => a - b)
}
