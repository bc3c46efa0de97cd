import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {type ApiPromise, WsProvider} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {findUnknownExtensions} from '@polkadot/types/extrinsic/signedExtensions'
import {compactFromU8a, compactToU8a, hexToU8a, u8aConcat, u8aEq, u8aToHex} from '@polkadot/util'
import {blake2AsU8a, cryptoWaitReady, signatureVerify} from '@polkadot/util-crypto'

import {SUBTENSOR_SIGNED_EXTENSIONS, unknownSignedExtensions} from '../../src/chain/extensions.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {loadRuntimeMeta, SPEC_VERSION, TRANSACTION_VERSION} from '../../src/devnet/metadata.js'
import {connect} from './helpers.js'

// A signed extrinsic as the chain client builds it, read back raw from the devnet and taken apart by hand in the
// order of finney's TxExtension (spec 343): CheckNonZeroSender, CheckSpecVersion, CheckTxVersion, CheckGenesis,
// CheckMortality (era), CheckNonce (compact), CheckWeight, ChargeTransactionPayment (compact tip),
// SubtensorTransactionExtension, DrandPriority, CheckMetadataHash (mode u8). The signing payload is rebuilt from
// the same list's implicit parts: spec version, tx version, genesis hash, birth block hash, Option<metadata hash>.

const FINNEY_EXTENSIONS = [
  'CheckNonZeroSender',
  'CheckSpecVersion',
  'CheckTxVersion',
  'CheckGenesis',
  'CheckMortality',
  'CheckNonce',
  'CheckWeight',
  'ChargeTransactionPayment',
  'SubtensorTransactionExtension',
  'DrandPriority',
  'CheckMetadataHash',
]

let devnet: Devnet
let api: ApiPromise
let alice: KeyringPair
let bob: KeyringPair
let raw: WsProvider

beforeAll(async () => {
  await cryptoWaitReady()
  const k = new Keyring({type: 'sr25519', ss58Format: 42})
  alice = k.addFromUri('//Alice')
  bob = k.addFromUri('//Bob')
  devnet = await startDevnet({port: 0, blockTimeMs: 0})
  api = await connect(devnet.url)
  raw = new WsProvider(devnet.url)
  await raw.isReady
}, 30_000)

afterAll(async () => {
  await api?.disconnect()
  await raw?.disconnect()
  await devnet?.stop()
})

/** Send an already signed extrinsic; resolves with the hash of the block that includes it. */
function sendSigned(tx: SubmittableExtrinsic<'promise'>): Promise<string> {
  return new Promise((resolve, reject) => {
    let unsub: (() => void) | undefined
    let done = false
    tx.send((r) => {
      if (done || (!r.status.isInBlock && !r.status.isFinalized)) return
      done = true
      unsub?.()
      resolve((r.status.isInBlock ? r.status.asInBlock : r.status.asFinalized).toHex())
    })
      .then((u) => {
        unsub = u
        if (done) u()
      })
      .catch(reject)
  })
}

/** Raw JSON-RPC: what the devnet stores and answers, not what the client re-encodes. */
const rpc = <T>(method: string, params: unknown[]): Promise<T> => raw.send<T>(method, params)

describe('Subtensor transaction extensions', () => {
  it('finney lists exactly the extensions declared, and their metadata types are as declared', () => {
    const meta = loadRuntimeMeta()
    const list = meta.metadata.asV15.extrinsic.signedExtensions
    expect(list.map((e) => e.identifier.toString())).toEqual(FINNEY_EXTENSIONS)
    // @polkadot/types alone does not know the two subtensor ones; with our declarations nothing is unknown
    expect(findUnknownExtensions(FINNEY_EXTENSIONS)).toEqual(['SubtensorTransactionExtension', 'DrandPriority'])
    expect(unknownSignedExtensions(FINNEY_EXTENSIONS)).toEqual([])
    expect(unknownSignedExtensions([...FINNEY_EXTENSIONS, 'SomeFutureExtension'])).toEqual(['SomeFutureExtension'])
    const sizeOf = (id: number): number => {
      const def = meta.registry.lookup.getSiType(id).def
      if (def.isComposite) return def.asComposite.fields.length
      if (def.isTuple) return def.asTuple.length
      return -1
    }
    for (const e of list) {
      const declared = SUBTENSOR_SIGNED_EXTENSIONS[e.identifier.toString()]
      if (!declared) continue
      // a declaration without fields ⇔ the runtime's explicit/implicit type has no bytes
      expect(sizeOf(e.type.toNumber()) === 0).toBe(Object.keys(declared.extrinsic).length === 0)
      expect(sizeOf(e.additionalSigned.toNumber()) === 0).toBe(Object.keys(declared.payload).length === 0)
    }
    // the client registry knows the runtime's list as is
    expect(api.registry.signedExtensions).toEqual(FINNEY_EXTENSIONS)
  })

  it('a signed extrinsic from the devnet carries each extension’s bytes, and the signature covers the runtime’s payload', async () => {
    await sendSigned(await api.tx.balances.transferKeepAlive(bob.address, 1_000_000n).signAsync(alice))
    const tip = 777n
    const tx = await api.tx.balances.transferKeepAlive(bob.address, 123_456_789n).signAsync(alice, {tip, era: 64})
    const blockHash = await sendSigned(tx)
    const block = await rpc<{block: {header: {number: string}; extrinsics: string[]}}>('chain_getBlock', [blockHash])
    const raw = block.block.extrinsics.map((x) => hexToU8a(x)).find((x) => u8aEq(blake2AsU8a(x), tx.hash.toU8a()))
    expect(raw).toBeDefined()
    const bytes = raw!
    const included = Number(block.block.header.number)

    let [o, len] = compactFromU8a(bytes)
    expect(o + len.toNumber()).toBe(bytes.length)
    expect(bytes[o++]).toBe(0x84) // signed, extrinsic format 4
    expect(bytes[o++]).toBe(0x00) // MultiAddress::Id
    expect(u8aToHex(bytes.subarray(o, o + 32))).toBe(u8aToHex(alice.publicKey))
    o += 32
    expect(bytes[o++]).toBe(0x01) // MultiSignature::Sr25519
    const signature = bytes.subarray(o, o + 64)
    o += 64
    const explicitStart = o
    // CheckNonZeroSender, CheckSpecVersion, CheckTxVersion, CheckGenesis: nothing. CheckMortality: a 2-byte era
    const era = bytes[o]! | (bytes[o + 1]! << 8)
    o += 2
    const period = 2 << era % 16
    const quantize = Math.max(period >> 12, 1)
    const phase = (era >> 4) * quantize
    expect(period).toBe(64)
    expect(phase).toBeLessThan(period)
    const birth = Math.floor((Math.max(included, phase) - phase) / period) * period + phase
    expect(birth).toBeLessThanOrEqual(included)
    // CheckNonce: compact 1 (the second transaction); CheckWeight: nothing; ChargeTransactionPayment: compact tip
    expect(u8aToHex(bytes.subarray(o, o + 1))).toBe(u8aToHex(compactToU8a(1)))
    o += 1
    const tipBytes = compactToU8a(tip)
    expect(u8aToHex(bytes.subarray(o, o + tipBytes.length))).toBe(u8aToHex(tipBytes))
    o += tipBytes.length
    // SubtensorTransactionExtension, DrandPriority: nothing, so the next byte is CheckMetadataHash's mode (Disabled)
    expect(bytes[o++]).toBe(0x00)
    const explicit = bytes.subarray(explicitStart, o)
    // the call follows: Balances.transfer_keep_alive as the metadata numbers it
    const call = bytes.subarray(o)
    expect(u8aToHex(call)).toBe(tx.method.toHex())
    expect(call[0]).toBe(api.tx.balances.transferKeepAlive.callIndex[0])

    const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer)
    const genesis = hexToU8a(await rpc<string>('chain_getBlockHash', [0]))
    const birthHash = hexToU8a(await rpc<string>('chain_getBlockHash', [birth]))
    // implicit parts, in extension order; the subtensor ones add nothing; CheckMetadataHash: None
    const implicit = u8aConcat(u32(SPEC_VERSION), u32(TRANSACTION_VERSION), genesis, birthHash, new Uint8Array([0]))
    let payload = u8aConcat(call, explicit, implicit)
    if (payload.length > 256) payload = blake2AsU8a(payload, 256)
    expect(signatureVerify(payload, signature, alice.address).isValid).toBe(true)
    // and the devnet decodes it to the same values
    const ex = devnet.chain.decode(u8aToHex(bytes))
    expect([ex.nonce.toNumber(), ex.tip.toBigInt(), ex.era.asMortalEra.period.toNumber()]).toEqual([1, tip, 64])
  }, 30_000)

  it('the devnet rejects an extrinsic with a byte where the subtensor extensions have none', async () => {
    const tx = await api.tx.balances.transferKeepAlive(bob.address, 5n).signAsync(alice, {era: 0})
    const bytes = tx.toU8a()
    let [o] = compactFromU8a(bytes)
    o += 1 + 33 + 65 + 1 + 1 + 1 // version, address, signature, immortal era, compact nonce (< 64), compact tip 0
    const body = u8aConcat(bytes.subarray(compactFromU8a(bytes)[0], o), new Uint8Array([0x00]), bytes.subarray(o))
    const forged = u8aToHex(u8aConcat(compactToU8a(body.length), body))
    // the shifted bytes make the call unreadable (the runtime would say the same: it cannot decode the extrinsic)
    await expect(rpc('author_submitExtrinsic', [forged])).rejects.toThrow(/could not decode the extrinsic/)
  })
})
