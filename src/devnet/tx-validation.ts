import type {Extrinsic} from '@polkadot/types/interfaces/extrinsics'
import {blake2AsU8a, signatureVerify} from '@polkadot/util-crypto'

import {freeBalance, readAccount} from './balances.js'
import type {Block} from './chain.js'
import {InvalidTransaction} from './dispatch.js'
import type {RuntimeMeta} from './metadata.js'
import type {Storage} from './storage.js'

/** Transaction validity as the devnet checks it: the signed extensions (signature, era, nonce) and the fee. */

/** What validation reads of the chain. */
export interface ValidationView {
  readonly meta: RuntimeMeta
  readonly st: Storage
  readonly registry: RuntimeMeta['registry']
  readonly genesis: string
  readonly head: Block
  blockByNumber(n: number): Block | undefined
  nextIndex(address: string): number
  hasCall(key: string): boolean
}

/** Base fee and per-byte fee of the devnet's `ChargeTransactionPayment` (rao; a simple length fee, no weights). */
export const BASE_FEE = 100_000n
export const BYTE_FEE = 1_000n

export function feeFor(length: number, tip: bigint): bigint {
  return BASE_FEE + BYTE_FEE * BigInt(length) + tip
}

/**
 * Calls the subtensor runtime marks `Pays::No` (a hotkey with no balance can serve, register by PoW and set
 * weights), checked against the pallet's call weights.
 */
const FEE_FREE = new Set([
  'subtensorModule.setWeights',
  'subtensorModule.setMechanismWeights',
  'subtensorModule.commitWeights',
  'subtensorModule.commitMechanismWeights',
  'subtensorModule.revealWeights',
  'subtensorModule.revealMechanismWeights',
  'subtensorModule.commitTimelockedWeights',
  'subtensorModule.commitTimelockedMechanismWeights',
  'subtensorModule.serveAxon',
  'subtensorModule.register',
])

export function callKey(ex: Extrinsic): string {
  return `${ex.method.section}.${ex.method.method}`
}

export function feeOf(ex: Extrinsic): bigint {
  return FEE_FREE.has(callKey(ex)) ? 0n : feeFor(ex.encodedLength, ex.tip.toBigInt())
}

/** Checks of the signed extensions: signature, nonce, era, fee payment; `pooling` allows nonces ahead of state. */
export function validateSigned(chain: ValidationView, ex: Extrinsic, pooling: boolean): {signer: string; nonce: number} {
  if (!ex.isSigned) throw new InvalidTransaction('the devnet accepts only signed extrinsics (no unsigned validator)')
  const key = callKey(ex)
  if (!chain.hasCall(key)) {
    throw new InvalidTransaction(`call ${key} is not implemented by the bitmind devnet`)
  }
  const signer = ex.signer.toString()
  const head = chain.head
  let blockHash = chain.genesis
  if (ex.era.isMortalEra) {
    const era = ex.era.asMortalEra
    const current = head.number
    const birth = era.birth(current)
    if (current >= era.death(current)) throw new InvalidTransaction('Transaction has an ancient birth block')
    const b = chain.blockByNumber(birth)
    if (!b) throw new InvalidTransaction('Transaction has an ancient birth block')
    blockHash = b.hash
  }
  const mode = (ex as unknown as {inner: {signature: {mode: unknown}}}).inner.signature.mode
  const payload = chain.registry.createType(
    'ExtrinsicPayload',
    {
      method: ex.method.toHex(),
      era: ex.era,
      nonce: ex.nonce,
      tip: ex.tip,
      mode,
      specVersion: chain.meta.runtimeVersion.specVersion,
      transactionVersion: chain.meta.runtimeVersion.transactionVersion,
      genesisHash: chain.genesis,
      blockHash,
    },
    {version: ex.version & 0x7f},
  )
  let message = payload.toU8a({method: true})
  if (message.length > 256) message = blake2AsU8a(message, 256)
  if (!signatureVerify(message, ex.signature.toU8a(), signer).isValid) throw new InvalidTransaction('Transaction has a bad signature')
  const nonce = ex.nonce.toNumber()
  const onChain = readAccount(chain.st, signer).nonce
  if (nonce < onChain) throw new InvalidTransaction('Transaction is outdated')
  const expected = pooling ? chain.nextIndex(signer) : onChain
  if (nonce > expected) throw new InvalidTransaction('Transaction will be valid in the future')
  if (pooling && nonce < expected) throw new InvalidTransaction('Priority is too low: (transaction with the same nonce is pooled)')
  const fee = feeOf(ex)
  if (fee > 0n && freeBalance(chain.st, signer) < fee) {
    throw new InvalidTransaction('Inability to pay some fees (e.g. account balance too low)')
  }
  return {signer, nonce}
}
