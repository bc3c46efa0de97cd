import fs from 'node:fs'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {Keyring} from '@polkadot/keyring'
import {u8aToHex} from '@polkadot/util'
import {sr25519Verify} from '@polkadot/util-crypto'

import {Axon, Dendrite, ImageSynapse, signingReady, signMessage, versionAsInt, verifyMessage} from '../../src/protocol/index.js'
import {pyDictSizeOf, pyFloatStr, pyJsonDumps, PyFloat} from '../../src/protocol/py-format.js'
import {parseHeaders, sha3Hex} from '../../src/protocol/synapse.js'
import {ROOT} from '../helpers/cli.js'
import {devPair, jpegBase64} from './helpers.js'

const fixtureDir = path.join(ROOT, 'test', 'fixtures', 'protocol')
const request = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'python-dendrite-image-synapse.json'), 'utf8'))
const reply = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'python-axon-image-synapse-reply.json'), 'utf8'))

describe('Python spellings', () => {
  it('prints floats and JSON as Python does', () => {
    expect(pyFloatStr(12)).toBe('12.0')
    expect(pyFloatStr(0.5)).toBe('0.5')
    expect(pyFloatStr(1e-5)).toBe('1e-05')
    expect(pyFloatStr(1e16)).toBe('1e+16')
    expect(pyJsonDumps({a: [1, new PyFloat(-1)], b: null, c: 'é"'})).toBe('{"a": [1, -1.0], "b": null, "c": "\\u00e9\\""}')
    expect([5, 6, 11, 21, 22].map(pyDictSizeOf)).toEqual([184, 272, 464, 464, 832])
  })
  it('computes version_as_int and the empty body hash', () => {
    expect(versionAsInt('7.3.0')).toBe(7003000)
    expect(versionAsInt('9.7.0')).toBe(9007000)
    expect(sha3Hex('')).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a')
  })
})

describe('sr25519 signatures', () => {
  it('signs through the wasm and verifies what the pure-JS keyring signs, and the reverse', async () => {
    const alice = await devPair('//Alice')
    await signingReady()
    const msg = 'bitmind.wire.test'
    const ours = signMessage(alice, msg)
    expect(sr25519Verify(new TextEncoder().encode(msg), ours, alice.publicKey)).toBe(true)
    expect(verifyMessage(msg, u8aToHex(alice.sign(new TextEncoder().encode(msg))), alice.address)).toBe(true)
    expect(verifyMessage(msg + '.', ours, alice.address)).toBe(false)
    expect(verifyMessage(msg, ours, (await devPair('//Bob')).address)).toBe(false)
    expect(verifyMessage(msg, '0x1234', alice.address)).toBe(false)
    const locked = new Keyring({type: 'sr25519'}).addFromJson(alice.toJson('pw'))
    expect(() => signMessage(locked, msg)).toThrow(/locked/)
  })
})

describe('dendrite request, as a Python dendrite sends it', () => {
  it('has the same headers, message, body hash and body', async () => {
    const inp = request.inputs
    const alice = await devPair(inp.dendrite_mnemonic_uri)
    const bob = await devPair(inp.axon_mnemonic_uri)
    const dendrite = new Dendrite({keypair: alice, uuid: inp.uuid, externalIp: inp.dendrite_ip})
    const prepared = dendrite.prepare(ImageSynapse, {image: inp.image}, {ip: inp.axon_ip, port: inp.axon_port, hotkey: bob.address}, inp.timeout, BigInt(inp.nonce))
    dendrite.close()

    const sig = prepared.headers.bt_header_dendrite_signature!
    const total = prepared.headers.total_size!
    const fill = (s: string) => s.replace('<SIGNATURE>', sig).replace('<TOTAL_SIZE>', total)
    expect(Object.entries(prepared.headers)).toEqual(request.expected.headers.map(([k, v]: [string, string]) => [k, fill(v)]))
    expect(prepared.message).toBe(request.expected.message)
    expect(verifyMessage(request.expected.message, sig, alice.address)).toBe(true)
    expect(prepared.body).toBe(fill(request.expected.body))
    expect(Number(total)).toBe(Buffer.byteLength(prepared.body))
  })
})

describe('axon reply, as a Python dendrite parses it', () => {
  let axon: Axon
  let dendrite: Dendrite
  let bobAddress: string
  beforeAll(async () => {
    const bob = await devPair('//Bob')
    bobAddress = bob.address
    axon = new Axon({hotkey: bob, port: 0, ip: '127.0.0.1'})
    axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.25}))
    await axon.start()
    dendrite = new Dendrite({keypair: await devPair('//Alice')})
  })
  afterAll(async () => {
    dendrite.close()
    await axon.stop()
  })

  it('answers 200 with the Python header set and the full synapse body', async () => {
    // A raw request built exactly like the Python dendrite's, so the reply can be read byte for byte.
    const prepared = dendrite.prepare(ImageSynapse, {image: await jpegBase64()}, {ip: '127.0.0.1', port: axon.port, hotkey: bobAddress}, 12)
    const res = await fetch(`http://127.0.0.1:${axon.port}/ImageSynapse`, {method: 'POST', headers: prepared.headers, body: prepared.body})
    expect(res.status).toBe(reply.success.status)
    const names = [...res.headers.keys()].filter((k) => reply.success.header_names_in_order.includes(k))
    // fetch sorts header names; compare as sets, then check order in the raw list below
    expect(new Set(names)).toEqual(new Set(reply.success.header_names_in_order))
    for (const [k, v] of Object.entries(reply.success.fixed_values)) expect(res.headers.get(k)).toBe(v)
    const text = await res.text()
    const body = JSON.parse(text.replace(/("nonce": )(\d+)/g, '$1"$2"'))
    expect(Object.keys(body)).toEqual(reply.success.body_keys_in_order)
    expect(body.prediction).toBe(0.25)
    expect(body.axon.status_code).toBe(200)
    expect(text).toContain('"timeout": 12.0')
    const env = parseHeaders(Object.fromEntries(res.headers.entries()))
    const axonMsg = `${env.axon.nonce}.${env.dendrite.hotkey}.${bobAddress}.${env.axon.uuid}`
    expect(verifyMessage(axonMsg, env.axon.signature!, bobAddress)).toBe(true)
  })

  it('keeps the Python header order on the wire', async () => {
    const prepared = dendrite.prepare(ImageSynapse, {image: await jpegBase64()}, {ip: '127.0.0.1', port: axon.port, hotkey: bobAddress}, 12)
    const {request: httpRequest} = await import('node:http')
    const rawNames = await new Promise<string[]>((resolve, reject) => {
      const req = httpRequest(`http://127.0.0.1:${axon.port}/ImageSynapse`, {method: 'POST', headers: {...prepared.headers, 'content-type': 'application/json'}}, (res) => {
        res.resume()
        res.on('end', () => resolve(res.rawHeaders.filter((_, i) => i % 2 === 0)))
      })
      req.on('error', reject)
      req.end(prepared.body)
    })
    const ours = rawNames.filter((k) => reply.success.header_names_in_order.includes(k))
    expect(ours).toEqual(reply.success.header_names_in_order)
  })

  it('round-trips through our dendrite with the prediction and axon status', async () => {
    const [r] = await dendrite.query([{ip: '127.0.0.1', port: axon.port, hotkey: bobAddress}], ImageSynapse, {image: await jpegBase64()})
    expect(r!.statusCode).toBe(200)
    expect(r!.synapse!.prediction).toBe(0.25)
    expect(r!.synapse!.axon.hotkey).toBe(bobAddress)
    expect(typeof r!.synapse!.axon.nonce).toBe('bigint')
  })
})
