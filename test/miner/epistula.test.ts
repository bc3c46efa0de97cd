import {promises as fs, readFileSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {KeyringPair} from '@polkadot/keyring/types'
import {hexToU8a} from '@polkadot/util'
import {sr25519Verify} from '@polkadot/util-crypto'
import {sha256} from 'hash-wasm'
import * as ort from 'onnxruntime-node'
import sharp from 'sharp'

import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder, type ServingModel} from '../../src/miner/model-holder.js'
import {startMinerAxon, startMinerEpistula} from '../../src/miner/serve.js'
import {Dendrite, EpistulaClient, ImageSynapse, epistulaHeaders, type Axon, type EpistulaEndpoint} from '../../src/protocol/index.js'
import {epistulaMessage, sha256Hex} from '../../src/protocol/epistula.js'
import {openTransport} from '../../src/validator/transport.js'
import {bombPngBase64, devPair} from '../protocol/helpers.js'
import {tinyDetectorOnnx} from './tiny-onnx.js'

const SIZE = 16
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/protocol/epistula-v2-request.json', import.meta.url), 'utf8')) as {
  signed_by: string
  signed_for: string
  now_ms: number
  body_base64: string
  body_sha256: string
  message: string
  secret_messages: string[]
  timestamp_header: string
  headers: Record<string, string>
}

async function loader(p: string): Promise<ServingModel<Float32Array>> {
  const session = await ort.InferenceSession.create(p)
  return {
    name: path.basename(p),
    async predict(xs) {
      const x = new Float32Array(xs.length * 3 * SIZE * SIZE)
      xs.forEach((t, i) => x.set(t, i * t.length))
      const out = await session.run({input: new ort.Tensor('float32', x, [xs.length, 3, SIZE, SIZE])})
      return Array.from(out.output!.data as Float32Array)
    },
    dispose: () => session.release(),
  }
}

async function decode(bytes: Buffer): Promise<Float32Array> {
  const {data} = await sharp(bytes).removeAlpha().resize(SIZE, SIZE).raw().toBuffer({resolveWithObject: true})
  const out = new Float32Array(3 * SIZE * SIZE)
  for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) out[c * SIZE * SIZE + i] = data[i * 3 + c]! / 255
  return out
}

const jpeg = (v: number) => sharp({create: {width: 40, height: 30, channels: 3, background: {r: v, g: v, b: v}}}).jpeg({quality: 75}).toBuffer()

/** The Python rules of bitmind-subnet gas/protocol/epistula.py, written again here with other libraries (hash-wasm, @scure via util-crypto). */
async function independentVerify(headers: http.IncomingHttpHeaders, body: Uint8Array): Promise<boolean> {
  const h = (name: string) => headers[name.toLowerCase()] as string
  const timestamp = Number.parseInt(h('Epistula-Timestamp'), 10)
  const message = `${await sha256(body)}.${h('Epistula-Uuid')}.${timestamp}.${h('Epistula-Signed-For')}`
  const sig = h('Epistula-Request-Signature')
  if (!sig.startsWith('0x')) return false // bittensor_wallet's verify refuses a str signature without 0x
  const pk = (await import('@polkadot/util-crypto')).decodeAddress(h('Epistula-Signed-By'))
  return sr25519Verify(new TextEncoder().encode(message), hexToU8a(sig), pk)
}

describe('Epistula v2 on a miner, loopback', () => {
  const tmp = path.join(os.tmpdir(), `bitmind-epistula-${process.pid}`)
  let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair, mallory: KeyringPair
  let miner: Miner<Float32Array>
  let axon: Axon
  let endpoint: EpistulaEndpoint
  let client: EpistulaClient
  let dark: Buffer

  beforeAll(async () => {
    ;[alice, bob, charlie, mallory] = await Promise.all(['//Alice', '//Bob', '//Charlie', '//Mallory'].map(devPair))
    await fs.mkdir(tmp, {recursive: true})
    const file = path.join(tmp, 'm.onnx')
    await fs.writeFile(file, tinyDetectorOnnx({scale: -10, bias: 5, inputSize: SIZE}))
    const holder = await ModelHolder.open(file, loader, {pollMs: 60_000})
    // alice: a staked validator; charlie: registered, below the stake floor; mallory: not registered
    const mg: MetagraphLike = {
      uids: [0, 1, 2],
      hotkeys: [alice.address, bob.address, charlie.address],
      stake: [500, 0, 5],
      validatorPermit: [true, false, false],
      lastUpdate: [0, 0, 0],
      axons: [],
    }
    miner = await Miner.create({holder, decode, chain: {currentBlock: async () => 1, metagraph: async () => mg}, forceValidatorPermit: false, minStake: 100})
    axon = await startMinerAxon(miner, {hotkey: bob, port: 0, ip: '127.0.0.1'})
    endpoint = await startMinerEpistula(miner, {hotkey: bob, axon})
    client = new EpistulaClient({keypair: alice})
    dark = await jpeg(20)
  })
  afterAll(async () => {
    client.close()
    await endpoint.stop()
    await axon.stop()
    await miner.stop()
    await fs.rm(tmp, {recursive: true, force: true})
  })

  const target = () => ({ip: '127.0.0.1', port: axon.port, hotkey: bob.address})
  const post = (headers: Record<string, string>, body: Buffer, port = axon.port) =>
    fetch(`http://127.0.0.1:${port}/detect_image`, {method: 'POST', headers: {...headers, 'content-type': 'image/jpeg'}, body: new Uint8Array(body)})
  const detail = async (res: Response) => ((await res.json()) as {detail: string}).detail

  it('answers [p_real, p_synthetic] on the axon port, the same number the ImageSynapse gets', async () => {
    const r = await client.detectImage(target(), dark)
    expect(r.statusCode).toBe(200)
    expect(r.prediction).toHaveLength(2)
    const [pReal, pSynth] = r.prediction!
    expect(pSynth).toBeGreaterThan(0.9)
    expect(pReal! + pSynth!).toBeCloseTo(1, 9)
    const dendrite = new Dendrite({keypair: alice})
    try {
      const [s] = await dendrite.query([target()], ImageSynapse, {image: dark.toString('base64')})
      expect(s!.statusCode).toBe(200)
      expect(s!.synapse!.prediction).toBeCloseTo(pSynth!, 6)
    } finally {
      dendrite.close()
    }
    const bright = await client.detectImage(target(), await jpeg(235))
    expect(bright.prediction![1]).toBeLessThan(0.1)
  })

  it('refuses tampered body, wrong Signed-For, stale/future timestamps, replays and blacklisted signers with their status', async () => {
    // tampered: signed for one image, another sent
    const signed = epistulaHeaders(alice, dark, bob.address)
    const other = await jpeg(21)
    let res = await post(signed, other)
    expect(res.status).toBe(400)
    expect(await detail(res)).toBe('Signature Mismatch')

    // signed for charlie, sent to bob
    res = await post(epistulaHeaders(alice, dark, charlie.address), dark)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/not intended for self/)

    // correctly signed but 16 s old / 16 s ahead
    res = await post(epistulaHeaders(alice, dark, bob.address, {timestamp: Date.now() - 16_000}), dark)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/too stale: 16\.\ds old \(limit: 15s\)/)
    res = await post(epistulaHeaders(alice, dark, bob.address, {timestamp: Date.now() + 16_000}), dark)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/in the future/)
    // 10 s old is inside the window
    res = await post(epistulaHeaders(alice, dark, bob.address, {timestamp: Date.now() - 10_000}), dark)
    expect(res.status).toBe(200)

    // the same signed request twice
    const once = epistulaHeaders(alice, dark, bob.address)
    expect((await post(once, dark)).status).toBe(200)
    res = await post(once, dark)
    expect(res.status).toBe(409)
    expect(await detail(res)).toMatch(/Replayed request/)

    // not in the metagraph; registered but below the stake floor
    res = await post(epistulaHeaders(mallory, dark, bob.address), dark)
    expect(res.status).toBe(401)
    expect(await detail(res)).toMatch(/unrecognized hotkey/)
    res = await post(epistulaHeaders(charlie, dark, bob.address), dark)
    expect(res.status).toBe(401)
    expect(await detail(res)).toMatch(/stake 5, below the floor 100/)

    // malformed: no version, unsigned, a forged signature
    const {'Epistula-Version': _v, ...noVersion} = epistulaHeaders(alice, dark, bob.address)
    res = await post(noVersion, dark)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/Unknown Epistula version/)
    res = await post({'Epistula-Version': '2'}, dark)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/Bad Epistula header epistula-timestamp/)
    res = await post({...epistulaHeaders(alice, dark, bob.address), 'Epistula-Request-Signature': `0x${'ab'.repeat(64)}`}, dark)
    expect(res.status).toBe(400)

    // still serving, and the client reports a refusal as a status, never a throw
    const r = await new EpistulaClient({keypair: mallory}).detectImage(target(), dark)
    expect(r).toMatchObject({statusCode: 401, prediction: undefined})
    expect((await client.detectImage(target(), dark)).statusCode).toBe(200)

    // counted in the axon's metrics under the route's name
    const requests = await axon.metrics.registry.getSingleMetricAsString('bitmind_axon_requests_total')
    expect(requests).toMatch(/synapse="detect_image",status="409"} 1\b/)
    expect(requests).toMatch(/synapse="detect_image",status="401"} 3\b/)
    const failures = await axon.metrics.registry.getSingleMetricAsString('bitmind_axon_verification_failures_total')
    expect(failures).toMatch(/reason="epistula_replay"} 1\b/)
    expect(failures).toMatch(/reason="epistula_bad_signature"} 2\b/)
  })

  it('is the validator\'s --neuron.transport epistula: one p(synthetic) per axon, failures as statuses', async () => {
    const transport = openTransport('epistula', alice)
    try {
      const axons = [{ip: '127.0.0.1', port: axon.port, hotkey: bob.address}, {ip: '127.0.0.1', port: 1, hotkey: bob.address}, {ip: '127.0.0.1', port: axon.port, hotkey: charlie.address}]
      const answers = await transport.query.query(axons, dark.toString('base64'), 5)
      expect(answers.map((a) => a.statusCode)).toEqual([200, 503, 400])
      expect(answers[0]!.prediction).toBeGreaterThan(0.9)
      expect(answers[1]!.prediction).toBeUndefined()
    } finally {
      transport.close()
    }
    expect(() => openTransport('carrier-pigeon' as never, alice)).toThrow(/unknown transport "carrier-pigeon": use synapse or epistula/)
  })

  it('checks the body with the ImageSynapse image check (not an image, a decompression bomb)', async () => {
    const junk = Buffer.from('not an image at all')
    let res = await post(epistulaHeaders(alice, junk, bob.address), junk)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/Invalid image: image is not a readable image/)
    const bomb = Buffer.from(bombPngBase64(), 'base64')
    res = await post(epistulaHeaders(alice, bomb, bob.address), bomb)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/exceeds pixel limit/)
  })

  it('serves on its own port (--epistula.port)', async () => {
    const own = await startMinerEpistula(miner, {hotkey: bob, port: 0, ip: '127.0.0.1'})
    try {
      expect(own.port).not.toBe(axon.port)
      const r = await client.detectImage({...target(), port: own.port!}, dark)
      expect(r.statusCode).toBe(200)
      expect(r.prediction![1]).toBeGreaterThan(0.9)
    } finally {
      await own.stop()
    }
  })

  it('accepts the request built by the rules of BitMind\'s epistula.py (fixture), at its time only', async () => {
    const body = Buffer.from(FIXTURE.body_base64, 'base64')
    expect(FIXTURE.signed_by).toBe(alice.address)
    expect(FIXTURE.signed_for).toBe(bob.address)
    expect(sha256Hex(body)).toBe(FIXTURE.body_sha256)
    expect(epistulaMessage({bodyHash: sha256Hex(body), uuid: FIXTURE.headers['Epistula-Uuid']!, timestamp: Number(FIXTURE.timestamp_header), signedFor: bob.address})).toBe(FIXTURE.message)
    const atFixtureTime = await startMinerEpistula(miner, {hotkey: bob, port: 0, ip: '127.0.0.1', now: () => FIXTURE.now_ms})
    try {
      // one flipped bit of the signature, or another uuid under the same signature: refused (and not remembered)
      const sig = FIXTURE.headers['Epistula-Request-Signature']!
      const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0')
      let res = await post({...FIXTURE.headers, 'Epistula-Request-Signature': flipped}, body, atFixtureTime.port)
      expect(res.status).toBe(400)
      expect(await detail(res)).toBe('Signature Mismatch')
      res = await post({...FIXTURE.headers, 'Epistula-Uuid': '00000000-0000-4000-8000-000000000000'}, body, atFixtureTime.port)
      expect(res.status).toBe(400)
      // as made: accepted, answered in BitMind's shape
      res = await post(FIXTURE.headers, body, atFixtureTime.port)
      expect(res.status).toBe(200)
      const answer = (await res.json()) as {status: string; prediction: number[]}
      expect(answer.status).toBe('success')
      expect(answer.prediction).toHaveLength(2)
      // replayed: refused
      res = await post(FIXTURE.headers, body, atFixtureTime.port)
      expect(res.status).toBe(409)
    } finally {
      await atFixtureTime.stop()
    }
    // on today's clock the fixture is long stale
    const res = await post(FIXTURE.headers, body)
    expect(res.status).toBe(400)
    expect(await detail(res)).toMatch(/too stale/)
  })

  it('sends requests that the independent check of the Python rules accepts', async () => {
    const seen: {headers: http.IncomingHttpHeaders; body: Buffer}[] = []
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen.push({headers: req.headers, body: Buffer.concat(chunks)})
        res.writeHead(200, {'content-type': 'application/json'}).end('{"status":"success","prediction":[0.25,0.5,0.25]}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const before = Date.now()
      const r = await client.detectImage({ip: '127.0.0.1', port, hotkey: bob.address}, dark)
      // a three-class answer (v3.x miners): semisynthetic counts as synthetic downstream
      expect(r).toMatchObject({statusCode: 200, prediction: [0.25, 0.5, 0.25]})
      expect(seen).toHaveLength(1)
      const {headers, body} = seen[0]!
      expect(body.equals(dark)).toBe(true)
      expect(headers['epistula-version']).toBe('2')
      expect(headers['epistula-signed-by']).toBe(alice.address)
      expect(headers['epistula-signed-for']).toBe(bob.address)
      expect(headers['content-type']).toBe('image/jpeg')
      const ts = Number(headers['epistula-timestamp'])
      expect(ts).toBeGreaterThanOrEqual(before)
      expect(ts).toBeLessThanOrEqual(Date.now())
      expect(await independentVerify(headers, body)).toBe(true)
      expect(await independentVerify(headers, Buffer.concat([body, Buffer.from([0])]))).toBe(false)
      // the secret signatures over {interval±1}.0.{signed_for}, interval = ceil(ts / 1e4) * 1e4 (a Python float)
      const interval = Math.ceil(ts / 1e4) * 1e4
      const pk = alice.publicKey
      ;[interval - 1, interval, interval + 1].forEach((t, i) => {
        const sig = headers[`epistula-secret-signature-${i}`] as string
        expect(sr25519Verify(new TextEncoder().encode(`${t}.0.${bob.address}`), hexToU8a(sig), pk)).toBe(true)
      })
      // and the fixture's own secret signatures, made by the same rules
      FIXTURE.secret_messages.forEach((m, i) => {
        expect(sr25519Verify(new TextEncoder().encode(m), hexToU8a(FIXTURE.headers[`Epistula-Secret-Signature-${i}`]!), pk)).toBe(true)
      })
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})
