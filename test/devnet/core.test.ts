import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ApiPromise, WsProvider} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'

let devnet: Devnet
let api: ApiPromise
let alice: KeyringPair
let bob: KeyringPair

/** Sign, send and wait for inclusion; returns the events of the extrinsic and the dispatch error (decoded) if any. */
async function send(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair) {
  return new Promise<{ok: boolean; error?: string; events: string[]}>((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (result.status.isInBlock) {
        const events = result.events.map((e) => `${e.event.section}.${e.event.method}`)
        if (result.dispatchError) {
          const err = result.dispatchError
          const name = err.isModule
            ? (() => {
                const d = api.registry.findMetaError(err.asModule)
                return `${d.section}.${d.name}`
              })()
            : err.toString()
          resolve({ok: false, error: name, events})
        } else resolve({ok: true, events})
      }
    }).catch(reject)
  })
}

async function free(address: string): Promise<bigint> {
  const info = (await api.query.system.account(address)) as unknown as {data: {free: {toBigInt(): bigint}}}
  return info.data.free.toBigInt()
}

async function eventNames(): Promise<string[]> {
  const records = (await api.query.system.events()) as unknown as {event: {section: string; method: string}}[]
  return records.map((e) => `${e.event.section}.${e.event.method}`)
}

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({port: 0, blockTimeMs: 0})
  api = await ApiPromise.create({provider: new WsProvider(devnet.url), noInitWarn: true})
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  alice = keyring.addFromUri('//Alice')
  bob = keyring.addFromUri('//Bob')
}, 30_000)

afterAll(async () => {
  await api?.disconnect()
  await devnet?.stop()
})

describe('devnet core over @polkadot/api', () => {
  it('serves the real finney metadata with no custom types', async () => {
    expect(api.runtimeVersion.specName.toString()).toBe('node-subtensor')
    expect(api.runtimeMetadata.version).toBeGreaterThanOrEqual(14)
    expect(typeof api.tx.subtensorModule.burnedRegister).toBe('function')
    expect(typeof api.tx.subtensorModule.commitTimelockedWeights).toBe('function')
    expect(api.registry.chainSS58).toBe(42)
  })

  it('transfers balance and reports events', async () => {
    const before = await free(bob.address)
    const r = await send(api.tx.balances.transferKeepAlive(bob.address, 5_000_000_000n), alice)
    expect(r.ok).toBe(true)
    expect(r.events).toContain('balances.Transfer')
    const after = await free(bob.address)
    expect(after - before).toBe(5_000_000_000n)
    expect(await eventNames()).toContain('balances.Transfer')
  })
})
