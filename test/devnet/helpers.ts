import {ApiPromise, WsProvider} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'

import {SUBTENSOR_SIGNED_EXTENSIONS} from '../../src/chain/extensions.js'

/** A client declaring Subtensor's transaction extensions as the chain client does; init warnings stay on. */
export async function connect(url: string): Promise<ApiPromise> {
  return ApiPromise.create({provider: new WsProvider(url), signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS})
}

export interface SendResult {
  ok: boolean
  /** `section.Name` of a module error, or the DispatchError's JSON otherwise */
  error?: string
  events: string[]
  blockHash: string
}

/** Sign, send, wait for inclusion; dispatch errors are decoded through the client's metadata. */
export async function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<SendResult> {
  return new Promise<SendResult>((resolve, reject) => {
    let unsub: (() => void) | undefined
    let done = false
    tx.signAndSend(signer, (result) => {
      // finality follows inclusion on the devnet; take whichever status the client reports first
      if (!result.status.isInBlock && !result.status.isFinalized) return
      if (done) return
      done = true
      unsub?.()
      const events = result.events.map((e) => `${e.event.section}.${e.event.method}`)
      const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex()
      const err = result.dispatchError
      if (!err) return resolve({ok: true, events, blockHash})
      if (err.isModule) {
        const d = api.registry.findMetaError(err.asModule)
        return resolve({ok: false, error: `${d.section}.${d.name}`, events, blockHash})
      }
      resolve({ok: false, error: JSON.stringify(err.toJSON()), events, blockHash})
    })
      .then((u) => {
        unsub = u
      })
      .catch(reject)
  })
}

export const num = (c: unknown): number => Number((c as {toString(): string}).toString())
export const json = (c: unknown): unknown => (c as {toJSON(): unknown}).toJSON()
