import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {KeyringPair} from '@polkadot/keyring/types'
import {z} from 'zod'

import {Axon, Dendrite, ImageSynapse, type SynapseType} from '../../src/protocol/index.js'
import {signMessage, timeNs} from '../../src/protocol/signing.js'
import {devPair, bombPngBase64, jpegBase64} from './helpers.js'

/** A synapse whose `text` is covered by the body hash, to show tampering is caught where the type asks for it. */
const HashedSynapse: SynapseType<{text: string}> = {
  name: 'HashedSynapse',
  fields: z.object({text: z.string().default('')}),
  fieldOrder: ['text'],
  floatFields: [],
  requiredHashFields: ['text'],
  requiredFields: [],
}

describe('axon security on 127.0.0.1', () => {
  let axon: Axon
  let bob: KeyringPair
  let alice: KeyringPair
  let mallory: KeyringPair
  let dendrite: Dendrite
  let image: string
  let forwards = 0
  const target = () => ({ip: '127.0.0.1', port: axon.port, hotkey: bob.address})

  beforeAll(async () => {
    ;[alice, bob, mallory] = await Promise.all([devPair('//Alice'), devPair('//Bob'), devPair('//Mallory')])
    image = await jpegBase64()
    axon = new Axon({
      hotkey: bob,
      port: 0,
      ip: '127.0.0.1',
      maxBodyBytes: 256 * 1024,
      blacklist: (caller) => (caller === mallory.address ? {blocked: true, reason: 'unregistered hotkey'} : {blocked: false}),
    })
    axon.attach(ImageSynapse, async (s) => {
      forwards++
      return {...s, prediction: 0.75}
    })
    axon.attach(HashedSynapse, async (s) => s)
    await axon.start()
    dendrite = new Dendrite({keypair: alice})
  })
  afterAll(async () => {
    dendrite.close()
    await axon.stop()
  })

  const post = (name: string, headers: Record<string, string>, body: string) =>
    fetch(`http://127.0.0.1:${axon.port}/${name}`, {method: 'POST', headers: {...headers, 'content-type': 'application/json'}, body})
  const message = async (res: Response) => ((await res.json()) as {message: string}).message

  async function stillServes() {
    const [r] = await dendrite.query([target()], ImageSynapse, {image})
    expect(r!.statusCode).toBe(200)
    expect(r!.synapse!.prediction).toBe(0.75)
  }

  it('rejects an unsigned request with 401', async () => {
    const p = dendrite.prepare(ImageSynapse, {image}, target(), 12)
    const {bt_header_dendrite_signature: _drop, ...unsigned} = p.headers
    const res = await post('ImageSynapse', unsigned, p.body)
    expect(res.status).toBe(401)
    expect(await message(res)).toMatch(/Not Verified/)
    await stillServes()
  })

  it('rejects a request signed by another key with 401', async () => {
    const p = dendrite.prepare(ImageSynapse, {image}, target(), 12)
    const forged = {...p.headers, bt_header_dendrite_signature: signMessage(mallory, p.message)}
    const res = await post('ImageSynapse', forged, p.body)
    expect(res.status).toBe(401)
    expect(await message(res)).toMatch(/Signature mismatch/)
    await stillServes()
  })

  it('rejects a tampered body when the synapse hashes its fields', async () => {
    const p = dendrite.prepare(HashedSynapse, {text: 'pay 1 TAO'}, target(), 12)
    const ok = await post('HashedSynapse', p.headers, p.body)
    expect(ok.status).toBe(200)
    const p2 = dendrite.prepare(HashedSynapse, {text: 'pay 1 TAO'}, target(), 12)
    const res = await post('HashedSynapse', p2.headers, p2.body.replace('pay 1 TAO', 'pay 9 TAO'))
    expect(res.status).toBe(500)
    expect(await message(res)).toMatch(/Hash mismatch/)
    await stillServes()
  })

  it('rejects a replayed nonce and a stale nonce with 401', async () => {
    const p = dendrite.prepare(ImageSynapse, {image}, target(), 12)
    expect((await post('ImageSynapse', p.headers, p.body)).status).toBe(200)
    const replay = await post('ImageSynapse', p.headers, p.body)
    expect(replay.status).toBe(401)
    expect(await message(replay)).toMatch(/newer one was last processed/)

    const fresh = new Dendrite({keypair: alice}) // new uuid: no stored nonce, so the time window applies
    const stale = fresh.prepare(ImageSynapse, {image}, target(), 12, timeNs() - 60_000_000_000n)
    fresh.close()
    const res = await post('ImageSynapse', stale.headers, stale.body)
    expect(res.status).toBe(401)
    expect(await message(res)).toMatch(/Nonce is too old/)
    await stillServes()
  })

  it('rejects an oversized body with 413 before reading it', async () => {
    const p = dendrite.prepare(ImageSynapse, {image: 'A'.repeat(300 * 1024)}, target(), 12)
    const res = await post('ImageSynapse', p.headers, p.body)
    expect(res.status).toBe(413)
    await stillServes()
  })

  it('rejects an unregistered (blacklisted) caller with 403', async () => {
    const m = new Dendrite({keypair: mallory})
    const [r] = await m.query([target()], ImageSynapse, {image})
    m.close()
    expect(r!.statusCode).toBe(403)
    expect(r!.statusMessage).toMatch(/blacklisted: unregistered hotkey/)
    await stillServes()
  })

  it('rejects a non-image payload and a decompression bomb with 400, never reaching the forward', async () => {
    const before = forwards
    const [text] = await dendrite.query([target()], ImageSynapse, {image: Buffer.from('not an image at all').toString('base64')})
    expect(text!.statusCode).toBe(400)
    expect(text!.statusMessage).toMatch(/not a readable image/)
    const [bomb] = await dendrite.query([target()], ImageSynapse, {image: bombPngBase64()})
    expect(bomb!.statusCode).toBe(400)
    expect(bomb!.statusMessage).toMatch(/pixel/i)
    expect(forwards).toBe(before)
    await stillServes()
  })

  it('answers 404 for an unknown synapse and 503 from the dendrite for a closed port', async () => {
    const p = dendrite.prepare(ImageSynapse, {image}, target(), 12)
    const res = await post('NoSuchSynapse', p.headers, p.body)
    expect(res.status).toBe(404)
    const [r] = await dendrite.query([{ip: '127.0.0.1', port: 1, hotkey: bob.address}], ImageSynapse, {image})
    expect(r!.statusCode).toBe(503)
    expect(r!.statusMessage).toBe('Service unavailable at 127.0.0.1:1/ImageSynapse')
  })
})

describe('axon forward limits and shutdown', () => {
  it('times a slow forward out with 408 and lets in-flight requests finish on stop', async () => {
    const bob = await devPair('//Bob')
    const axon = new Axon({hotkey: bob, port: 0, ip: '127.0.0.1'})
    let entered: () => void = () => {}
    axon.attach(ImageSynapse, async (s) => {
      entered()
      await new Promise((r) => setTimeout(r, 300))
      return {...s, prediction: 0.1}
    })
    await axon.start()
    const dendrite = new Dendrite({keypair: await devPair('//Alice')})
    const image = await jpegBase64()
    const t = {ip: '127.0.0.1', port: axon.port, hotkey: bob.address}
    const [slow] = await dendrite.query([t], ImageSynapse, {image}, {timeoutS: 0.15})
    expect(slow!.statusCode).toBe(408)
    expect(slow!.statusMessage).toBe('Request timeout after 0.15 seconds')
    const inForward = new Promise<void>((r) => (entered = r))
    const pending = dendrite.query([t], ImageSynapse, {image}, {timeoutS: 5})
    await inForward
    const stopped = axon.stop()
    // While stopping, the port takes no new connections: a fresh dendrite finds it unavailable.
    const late = new Dendrite({keypair: await devPair('//Charlie')})
    const [refused] = await late.query([t], ImageSynapse, {image}, {timeoutS: 2})
    expect(refused!.statusCode).toBe(503)
    late.close()
    const [done] = await pending
    expect(done!.statusCode).toBe(200)
    expect(done!.synapse!.prediction).toBe(0.1)
    await stopped
    dendrite.close()
  })

  it('turns garbage and NaN answers into failed results instead of exceptions', async () => {
    const http = await import('node:http')
    const answers = ['not json', '{"prediction": NaN}', '{"prediction": "high"}']
    let i = 0
    const server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(200, {'content-type': 'application/json'}).end(answers[i++ % answers.length]))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as {port: number}).port
    const dendrite = new Dendrite({keypair: await devPair('//Alice')})
    const bob = await devPair('//Bob')
    for (let k = 0; k < answers.length; k++) {
      const [r] = await dendrite.query([{ip: '127.0.0.1', port, hotkey: bob.address}], ImageSynapse, {image: 'eA=='})
      expect(r!.statusCode).toBe(422)
      expect(r!.statusMessage).toMatch(/^Failed to parse response: /)
      expect(r!.synapse).toBeUndefined()
    }
    dendrite.close()
    await new Promise((r) => server.close(r))
  })

  it('reports a connection reset mid-request and an answer over 24 MiB as 422, not 503', async () => {
    const net = await import('node:net')
    const http = await import('node:http')
    const resetter = net.createServer((s) => s.on('data', () => s.resetAndDestroy()))
    const huge = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(200, {'content-type': 'application/json'}).end(`{"prediction":0.5,"pad":"${'x'.repeat(24 * 1024 * 1024)}"}`))
    })
    for (const s of [resetter, huge]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
    const dendrite = new Dendrite({keypair: await devPair('//Alice')})
    const bob = await devPair('//Bob')
    const ask = (s: typeof resetter | typeof huge) =>
      dendrite.query([{ip: '127.0.0.1', port: (s.address() as {port: number}).port, hotkey: bob.address}], ImageSynapse, {image: 'eA=='}, {timeoutS: 10})
    const [reset] = await ask(resetter)
    expect([reset!.statusCode, reset!.statusMessage]).toEqual([422, 'Failed to parse response: read ECONNRESET'])
    const [big] = await ask(huge)
    expect(big!.statusCode).toBe(422)
    expect(big!.statusMessage).toMatch(/larger than 25165824 bytes/)
    dendrite.close()
    for (const s of [resetter, huge]) await new Promise((r) => s.close(r))
  })
})
