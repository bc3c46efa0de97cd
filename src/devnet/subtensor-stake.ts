import {freeBalance, mutateFree} from './balances.js'
import {type CallArgs, type DispatchContext, moduleFail} from './dispatch.js'
import type {Storage} from './storage.js'
import {big, hotkeyStake, MODULE, n, S, subnetExists, ZERO_ACCOUNT} from './subtensor-storage.js'

/** Stake in the devnet's pools: the pallet's add_stake / remove_stake with its checks (1 TAO buys 1 alpha, no fee). */

/** DefaultMinStake in the pallet (2_000_000 rao): the least a stake operation may move. */
export const MIN_STAKE = 2_000_000n

export const bitsOf = (c: unknown): bigint => (c as {bits: {toBigInt(): bigint}}).bits.toBigInt()
/** U64F64 ↔ bigint: the integer part is bits >> 64 */
export const FRAC = 64n

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

export function addStake(st: Storage, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
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
export function removeStake(st: Storage, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
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

/** A stake call's (netuid, hotkey, amount), after the pallet's first check of both calls (SubnetNotExists). */
function stakeCallArgs(ctx: DispatchContext, a: CallArgs, amountArg: 'amountStaked' | 'amountUnstaked'): {netuid: number; hotkey: string; amount: bigint} {
  const netuid = n(a.netuid)
  if (!subnetExists(ctx.st, netuid)) moduleFail(ctx, MODULE, 'SubnetNotExists')
  return {netuid, hotkey: a.hotkey!.toString(), amount: big(a[amountArg])}
}

/** The pallet's `hotkey_account_exists` check: the hotkey has an owner. */
function ensureHotkeyExists(ctx: DispatchContext, hotkey: string): void {
  if (ctx.st.get(S, 'owner', hotkey)!.toString() === ZERO_ACCOUNT) moduleFail(ctx, MODULE, 'HotKeyAccountNotExists')
}

/** The pallet's `validate_add_stake` checks in its order, then the stake (devnet pool: 1 TAO buys 1 alpha, no fee). */
export function addStakeCall(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const {netuid, hotkey, amount} = stakeCallArgs(ctx, a, 'amountStaked')
  if (amount < MIN_STAKE) moduleFail(ctx, MODULE, 'AmountTooLow')
  if (freeBalance(st, ctx.signer) < amount) moduleFail(ctx, MODULE, 'NotEnoughBalanceToStake')
  ensureHotkeyExists(ctx, hotkey)
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
export function removeStakeCall(ctx: DispatchContext, a: CallArgs): void {
  const st = ctx.st
  const {netuid, hotkey, amount} = stakeCallArgs(ctx, a, 'amountUnstaked')
  if (st.read(S, 'stakingOperationRateLimiter', hotkey, ctx.signer, netuid)) moduleFail(ctx, MODULE, 'StakingOperationRateLimitExceeded')
  if (amount === 0n) moduleFail(ctx, MODULE, 'AmountTooLow')
  const held = coldkeyStake(st, netuid, hotkey, ctx.signer)
  if (held < amount) moduleFail(ctx, MODULE, 'NotEnoughStakeToWithdraw')
  if (held > amount && amount < MIN_STAKE) moduleFail(ctx, MODULE, 'AmountTooLow')
  ensureHotkeyExists(ctx, hotkey)
  removeStake(st, hotkey, ctx.signer, netuid, amount)
  mutateFree(st, ctx.signer, amount)
  ctx.emit(MODULE, 'StakeRemoved', [ctx.signer, hotkey, amount, amount, netuid, 0n])
}

