import type {ApiPromise} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'

import {ChainCallError, describeDispatchError, describeTokenError} from './errors.js'

export interface SubmitResult {
  blockHash: string
  events: string[]
}

/** Sign, send, wait for inclusion; a DispatchError becomes a ChainCallError with a readable message. */
export function submitExtrinsic(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  opts: {netuid?: number; timeoutMs?: number; onUnsubscribe?: () => void} = {},
): Promise<SubmitResult> {
  const ctx = {netuid: opts.netuid}
  const timeoutMs = opts.timeoutMs ?? 120_000
  const call = `${tx.method.section}.${tx.method.method}`
  return new Promise<SubmitResult>((resolve, reject) => {
    let unsub: (() => void) | undefined
    let done = false
    const timer = setTimeout(() => finish(new Error(`${call} was not included within ${timeoutMs / 1000}s`)), timeoutMs)
    const finish = (err?: Error, value?: SubmitResult) => {
      if (done) return
      done = true
      clearTimeout(timer)
      unsub?.()
      opts.onUnsubscribe?.()
      if (err) reject(err)
      else resolve(value!)
    }
    // nonce -1: the runtime's AccountNonceApi (one call) instead of a derive.balances.account subscription,
    // whose nested teardown keeps @polkadot/api timers running for seconds after disconnect()
    tx.signAndSend(signer, {nonce: -1}, (result) => {
      if (!result.status.isInBlock && !result.status.isFinalized) {
        if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) finish(new Error(`${call}: transaction ${result.status.type}`))
        return
      }
      const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex()
      const events = result.events.map((e) => `${e.event.section}.${e.event.method}`)
      const err = result.dispatchError
      if (!err) return finish(undefined, {blockHash, events})
      if (err.isModule) {
        const d = api.registry.findMetaError(err.asModule)
        return finish(new ChainCallError(describeDispatchError(d, {...ctx, call}), `${d.section}.${d.name}`))
      }
      if (err.isToken) return finish(new ChainCallError(`${call} failed: ${describeTokenError(err.asToken.type)}`, `Token.${err.asToken.type}`))
      finish(new ChainCallError(`${call} failed: ${JSON.stringify(err.toJSON())}`, err.type))
    })
      .then((u) => {
        if (done) u()
        else unsub = u
      })
      .catch((e: Error) => finish(new Error(`${call} rejected: ${e.message}`)))
  })
}
