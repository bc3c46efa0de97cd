import {u8aToHex} from '@polkadot/util'
import {decodeAddress, keccakAsU8a, sha256AsU8a} from '@polkadot/util-crypto'

import {sealFromWork, sealMeetsDifficulty, type SealHashers, workHash} from '../chain/rules.js'
import {burn, freeBalance} from './balances.js'
import {type CallArgs, type DispatchContext, moduleFail} from './dispatch.js'
import type {Storage} from './storage.js'
import {big, MODULE, n, NEURON_VECTORS, S, setVecAt, subnetExists, uidOf, vec, ZERO_ACCOUNT} from './subtensor-storage.js'

/** Registration (burned and PoW) and serve_axon, with the pallet's checks and error names. */

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

export function checkRegistrationLimits(ctx: DispatchContext, netuid: number, hotkey: string): void {
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

export function finishRegistration(ctx: DispatchContext, netuid: number, hotkey: string, coldkey: string): void {
  const st = ctx.st
  const owner = st.get(S, 'owner', hotkey)!.toString()
  if (owner !== ZERO_ACCOUNT && owner !== coldkey) moduleFail(ctx, MODULE, 'NonAssociatedColdKey')
  const uid = registerNeuron(st, netuid, hotkey, coldkey, ctx.block)
  st.set(S, 'registrationsThisBlock', [netuid], st.num(S, 'registrationsThisBlock', netuid) + 1)
  st.set(S, 'registrationsThisInterval', [netuid], st.num(S, 'registrationsThisInterval', netuid) + 1)
  ctx.emit(MODULE, 'NeuronRegistered', [netuid, uid, hotkey])
}

export function burnedRegister(ctx: DispatchContext, netuid: number, hotkey: string): void {
  const st = ctx.st
  checkRegistrationLimits(ctx, netuid, hotkey)
  if (!st.read(S, 'networkRegistrationAllowed', netuid)) moduleFail(ctx, MODULE, 'SubNetRegistrationDisabled')
  const cost = st.big(S, 'burn', netuid)
  if (freeBalance(st, ctx.signer) < cost) moduleFail(ctx, MODULE, 'NotEnoughBalanceToStake')
  burn(st, ctx.signer, cost)
  finishRegistration(ctx, netuid, hotkey, ctx.signer)
}

/** Hashers for the seal rules: @polkadot/util-crypto's, independent of the client's hash-wasm. */
export const SEAL_HASHERS: SealHashers = {keccak256: (d) => keccakAsU8a(d, 256), sha256: (d) => sha256AsU8a(d)}

/** The PoW seal (src/chain/rules.ts, docs/ARCHITECTURE.md § Chain): keccak256(sha256(nonce_le ‖ keccak256(block_hash ‖ hotkey))). */
export function sealHash(blockHash: Uint8Array, hotkey: Uint8Array, nonce: bigint): Uint8Array {
  return sealFromWork(SEAL_HASHERS, workHash(SEAL_HASHERS, blockHash, hotkey), nonce)
}

export function powRegister(ctx: DispatchContext, a: CallArgs): void {
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

export function serveAxon(ctx: DispatchContext, a: CallArgs): void {
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

