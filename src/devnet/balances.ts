import {type CallHandler, type DispatchContext, DispatchFailure, tokenFail} from './dispatch.js'
import type {Storage} from './storage.js'

/** Balances' existential deposit on finney (constant `balances.existentialDeposit`). */
export const EXISTENTIAL_DEPOSIT = 500n

interface AccountInfo {
  nonce: number
  consumers: number
  providers: number
  sufficients: number
  data: {free: bigint; reserved: bigint; frozen: bigint; flags: bigint}
}

export function readAccount(st: Storage, who: string): AccountInfo {
  const v = st.get('system', 'account', who) as unknown as {
    nonce: {toNumber(): number}
    consumers: {toNumber(): number}
    providers: {toNumber(): number}
    sufficients: {toNumber(): number}
    data: {free: {toBigInt(): bigint}; reserved: {toBigInt(): bigint}; frozen: {toBigInt(): bigint}; flags: {toBigInt(): bigint}}
  }
  return {
    nonce: v.nonce.toNumber(),
    consumers: v.consumers.toNumber(),
    providers: v.providers.toNumber(),
    sufficients: v.sufficients.toNumber(),
    data: {
      free: v.data.free.toBigInt(),
      reserved: v.data.reserved.toBigInt(),
      frozen: v.data.frozen.toBigInt(),
      flags: v.data.flags.toBigInt(),
    },
  }
}

export function writeAccount(st: Storage, who: string, a: AccountInfo): void {
  st.set('system', 'account', [who], a)
}

export function freeBalance(st: Storage, who: string): bigint {
  return readAccount(st, who).data.free
}

/** Add (or, negative, remove) free balance; creating the account gives it a provider. */
export function mutateFree(st: Storage, who: string, delta: bigint): void {
  const a = readAccount(st, who)
  const free = a.data.free + delta
  if (free < 0n) tokenFail('FundsUnavailable')
  a.data.free = free
  if (a.providers === 0 && free > 0n) a.providers = 1
  writeAccount(st, who, a)
}

function adjustIssuance(st: Storage, delta: bigint): void {
  if (delta === 0n) return
  st.set('balances', 'totalIssuance', [], st.big('balances', 'totalIssuance') + delta)
}

/** Mint into an account (genesis endowment, emission). */
export function mint(st: Storage, who: string, amount: bigint): void {
  mutateFree(st, who, amount)
  adjustIssuance(st, amount)
}

/** Remove from an account and from the issuance (fees, registration burn). */
export function burn(st: Storage, who: string, amount: bigint): void {
  mutateFree(st, who, -amount)
  adjustIssuance(st, -amount)
}

function transfer(ctx: DispatchContext, dest: string, value: bigint, keepAlive: boolean): void {
  const from = ctx.signer
  const free = freeBalance(ctx.st, from)
  if (free < value) tokenFail('FundsUnavailable')
  if (keepAlive && free - value < EXISTENTIAL_DEPOSIT && value > 0n) tokenFail('NotExpendable')
  const destFree = freeBalance(ctx.st, dest)
  if (destFree + value < EXISTENTIAL_DEPOSIT) tokenFail('BelowMinimum')
  const isNew = readAccount(ctx.st, dest).providers === 0
  mutateFree(ctx.st, from, -value)
  mutateFree(ctx.st, dest, value)
  if (isNew) {
    ctx.emit('System', 'NewAccount', [dest])
    ctx.emit('Balances', 'Endowed', [dest, value])
  }
  ctx.emit('Balances', 'Transfer', [from, dest, value])
}

function destAddress(arg: unknown): string {
  const m = arg as {type: string; value: {toString(): string}}
  if (m.type !== 'Id') throw new DispatchFailure({CannotLookup: null}, `MultiAddress::${m.type} is not supported`)
  return m.value.toString()
}

const big = (c: unknown): bigint => (c as {toBigInt(): bigint}).toBigInt()

export const balancesCalls: Record<string, CallHandler> = {
  'balances.transferKeepAlive': (ctx, a) => transfer(ctx, destAddress(a.dest), big(a.value), true),
  'balances.transferAllowDeath': (ctx, a) => transfer(ctx, destAddress(a.dest), big(a.value), false),
}
