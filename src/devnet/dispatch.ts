import type {Codec} from '@polkadot/types/types'

import type {EventCodec} from './events.js'
import type {Storage} from './storage.js'

/** A call failed: the extrinsic is included, fees are kept, its state changes are rolled back. */
export class DispatchFailure extends Error {
  constructor(
    readonly dispatchError: unknown,
    readonly label: string,
  ) {
    super(label)
  }
}

/** A transaction the pool refuses (JSON-RPC error 1010 "Invalid Transaction", as Substrate nodes answer). */
export class InvalidTransaction extends Error {
  readonly code = 1010
  constructor(readonly data: string) {
    super(`Invalid Transaction: ${data}`)
  }
}

export interface DispatchContext {
  st: Storage
  codec: EventCodec
  /** number of the block being built */
  block: number
  /** SS58 address of the signer */
  signer: string
  /** hash of block `n` (for PoW registration), undefined when unknown */
  blockHash(n: number): string | undefined
  emit(section: string, method: string, fields: unknown[]): void
}

export type CallArgs = Record<string, Codec>
export type CallHandler = (ctx: DispatchContext, args: CallArgs) => void

/** Throw a module error with the runtime's pallet index and error index. */
export function moduleFail(ctx: DispatchContext, section: string, name: string): never {
  throw new DispatchFailure(ctx.codec.moduleError(section, name), `${section}.${name}`)
}

export function tokenFail(reason: 'FundsUnavailable' | 'BelowMinimum' | 'NotExpendable'): never {
  throw new DispatchFailure({Token: reason}, `Token.${reason}`)
}
