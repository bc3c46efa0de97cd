import {promises as fs} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {crc32} from 'node:zlib'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {decodeImage, encodeJpeg} from '../../src/image/index.js'
import {Dendrite, ImageSynapse} from '../../src/protocol/index.js'
import {KeysFile} from '../../src/proxy/keys.js'
import type {DetectResponse} from '../../src/proxy/schemas.js'
import {startProxy, type ProxyServer} from '../../src/proxy/server.js'
import {DEMO_PHOTOS} from '../../src/localnet/index.js'
import {startSubnet, type RunningSubnet} from './live-subnet.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-proxy-api-'))
let subnet: RunningSubnet
let open: ProxyServer
let guarded: ProxyServer
let keys: KeysFile
let dendrite: Dendrite

const photo = (name: string) => fs.readFile(path.join(DEMO_PHOTOS, name))
const PNG = 'lomiri-sunset_by_Aitzol_Berasategi-003.png'
const OTHER = 'plasma-workspace-ColdRipple-004.png'

beforeAll(async () => {
  subnet = await startSubnet(tmp)
  const {live} = subnet
  const base = {metagraph: () => live.client.metagraph(live.netuid), netuid: live.netuid, hotkey: live.validator.hotkey, port: 0, timeoutS: 20}
  open = await startProxy({...base, rateLimit: 1000})
  keys = new KeysFile(path.join(tmp, 'keys', 'proxy-keys.json'))
  guarded = await startProxy({...base, rateLimit: 5, keysFile: keys.path})
  dendrite = new Dendrite({keypair: live.validator.hotkey})
}, 120_000)

afterAll(async () => {
  dendrite?.close()
  await open?.close()
  await guarded?.close()
  await subnet?.stop()
  await fs.rm(tmp, {recursive: true, force: true})
}, 30_000)

async function call(server: ProxyServer, route: string, init: RequestInit = {}) {
  const res = await fetch(new URL(route, server.url), init)
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON (the page, /metrics)
  }
  return {status: res.status, headers: res.headers, text, json}
}

function multipart(bytes: Buffer, name: string, type: string): RequestInit {
  const form = new FormData()
  form.append('image', new Blob([new Uint8Array(bytes)], {type}), name)
  return {method: 'POST', body: form}
}

const jsonBody = (image: string): RequestInit => ({method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({image})})

/** What each miner itself says about the image as the proxy sends it (the validator's challenge JPEG, no augmentation). */
async function minersOwnAnswers(bytes: Buffer): Promise<Map<number, number>> {
  const image = (await encodeJpeg(await decodeImage(bytes), 75)).toString('base64')
  const targets = subnet.live.miners.map((m) => ({ip: '127.0.0.1', port: m.axon.port, hotkey: m.hotkey.address, uid: m.uid}))
  const results = await dendrite.query(targets, ImageSynapse, {image}, {timeoutS: 20})
  return new Map(results.map((r) => [r.target.uid!, r.synapse!.prediction]))
}

async function expectPoolAnswer(r: DetectResponse, bytes: Buffer) {
  const mg = await subnet.live.client.metagraph(subnet.live.netuid)
  const own = await minersOwnAnswers(bytes)
  expect(r.queried).toBe(2)
  expect(r.responded).toBe(2)
  expect(r.block).toBeGreaterThan(0)
  expect(new Set(r.miners.map((m) => m.uid))).toEqual(new Set(subnet.live.miners.map((m) => m.uid)))
  let num = 0
  let den = 0
  for (const m of r.miners) {
    expect(m.status).toBe('ok')
    expect(m.status_code).toBe(200)
    expect(m.hotkey).toBe(mg.hotkeys[m.uid])
    expect(m.incentive).toBeCloseTo(mg.incentive[m.uid]!, 9)
    expect(m.latency_s).toBeGreaterThan(0)
    expect(m.prediction).toBeCloseTo(own.get(m.uid)!, 5)
    num += mg.incentive[m.uid]! * own.get(m.uid)!
    den += mg.incentive[m.uid]!
  }
  expect(den).toBeGreaterThan(0)
  expect(r.probability).toBeCloseTo(num / den, 5)
  expect(r.verdict).toBe(r.probability > 0.5 ? 'fake' : 'real')
}

describe('the proxy on a devnet with the shipped detector and an untrained NPR as miners', () => {
  it('weighs the miners by their incentive: the validator gave them 3:1', async () => {
    const mg = await subnet.live.client.metagraph(subnet.live.netuid)
    const [shipped, weak] = subnet.live.miners
    expect(mg.incentive[shipped!.uid]).toBeGreaterThan(mg.incentive[weak!.uid]!)
    expect(mg.incentive[weak!.uid]).toBeGreaterThan(0)
    const r = await call(open, '/v1/miners')
    expect(r.status).toBe(200)
    const miners = r.json.miners as {uid: number; incentive: number; stake: number}[]
    expect(miners.map((m) => m.uid)).toEqual([shipped!.uid, weak!.uid])
    expect(miners[0]!.incentive).toBeCloseTo(mg.incentive[shipped!.uid]!, 9)
  })

  it('answers a PNG sent as multipart/form-data with the incentive-weighted mean of the miners\' own answers', async () => {
    const bytes = await photo(PNG)
    const r = await call(open, '/v1/detect', multipart(bytes, PNG, 'image/png'))
    expect(r.status).toBe(200)
    await expectPoolAnswer(r.json as unknown as DetectResponse, bytes)
  })

  it('answers a JPEG sent as JSON base64 the same way; the two miners disagree in what they say', async () => {
    const jpeg = await sharp(await photo(OTHER)).jpeg({quality: 90}).toBuffer()
    const r = await call(open, '/v1/detect', jsonBody(jpeg.toString('base64')))
    expect(r.status).toBe(200)
    const body = r.json as unknown as DetectResponse
    await expectPoolAnswer(body, jpeg)
    const [a, b] = body.miners.map((m) => m.prediction!)
    expect(Math.abs(a! - b!)).toBeGreaterThan(1e-4)
    // the miners' last latency shows up in /v1/miners
    const miners = (await call(open, '/v1/miners')).json.miners as {last_latency_s: number | null; last_status: string}[]
    for (const m of miners) {
      expect(m.last_latency_s).toBeGreaterThan(0)
      expect(m.last_status).toBe('ok')
    }
  })

  it('refuses bad input with its status and a one-line message before any miner is asked, and keeps serving', async () => {
    const before = await open.metrics.registry.getSingleMetric('bitmind_proxy_miner_results_total')!.get()
    const asked = () => open.metrics.registry.getSingleMetric('bitmind_proxy_miner_results_total')!.get().then((m) => m.values.reduce((s, v) => s + v.value, 0))
    const askedBefore = before.values.reduce((s, v) => s + v.value, 0)

    const text = await call(open, '/v1/detect', multipart(Buffer.from('just some words, not an image\n'), 'notes.txt', 'text/plain'))
    expect(text.status).toBe(400)
    expect(text.json.error).toMatch(/not a readable image|format/)

    const png = await photo(PNG)
    const truncated = await call(open, '/v1/detect', multipart(png.subarray(0, Math.floor(png.length / 2)), 'cut.png', 'image/png'))
    expect(truncated.status).toBe(400)
    expect(truncated.json.error).toMatch(/truncated|corrupt|premature|readable/i)

    // a valid PNG signature and IHDR chunk declaring 30000×30000, no pixel data: a decompression bomb's header
    const bomb = await sharp(Buffer.alloc(3 * 4, 200), {raw: {width: 2, height: 2, channels: 3}}).png().toBuffer()
    const ihdr = Buffer.from(bomb)
    ihdr.writeUInt32BE(30000, 16)
    ihdr.writeUInt32BE(30000, 20)
    ihdr.writeUInt32BE(crc32(ihdr.subarray(12, 29)), 29)
    const huge = await call(open, '/v1/detect', multipart(ihdr, 'bomb.png', 'image/png'))
    expect(huge.status).toBe(400)
    expect(huge.json.error).toMatch(/30000x30000|pixel/)

    const notBase64 = await call(open, '/v1/detect', jsonBody('this is not base64!'))
    expect(notBase64.status).toBe(400)
    expect(notBase64.json.error).toMatch(/base64/)

    const big = Buffer.alloc(30 * 1024 * 1024, 7)
    const bigMultipart = await post(open, '/v1/detect', big, 'multipart')
    expect(bigMultipart.status).toBe(413)
    expect(bigMultipart.error).toMatch(/too large/)
    const bigJson = await post(open, '/v1/detect', big, 'json')
    expect(bigJson.status).toBe(413)
    expect(bigJson.error).toMatch(/too large/)

    const wrongType = await call(open, '/v1/detect', {method: 'POST', headers: {'content-type': 'text/plain'}, body: 'hello'})
    expect(wrongType.status).toBe(415)

    for (const r of [text, truncated, huge, notBase64, wrongType]) {
      expect(String(r.json.error)).not.toContain('\n')
      expect(r.json.status).toBe(r.status)
    }
    // nothing above reached a miner
    expect(await asked()).toBe(askedBefore)
    const again = await call(open, '/v1/detect', multipart(png, PNG, 'image/png'))
    expect(again.status).toBe(200)
    expect(await asked()).toBe(askedBefore + 2)
  })

  it('needs a current API key once the keys file has one; a revoked key gets 401', async () => {
    const health0 = await call(guarded, '/healthz')
    expect(health0.json.auth).toBe(false)
    const alice = await keys.add('alice')
    const bob = await keys.add('bob')
    const st = await fs.stat(keys.path)
    expect(st.mode & 0o777).toBe(0o600)
    const onDisk = await fs.readFile(keys.path, 'utf8')
    expect(onDisk).not.toContain(alice.key.slice('bmk_12345678_'.length))
    expect((await call(guarded, '/healthz')).json.auth).toBe(true)

    const missing = await call(guarded, '/v1/miners')
    expect(missing.status).toBe(401)
    expect(missing.json.error).toMatch(/missing API key/)
    const wrong = await call(guarded, '/v1/miners', {headers: {authorization: `Bearer ${alice.key.slice(0, -1)}${alice.key.endsWith('A') ? 'B' : 'A'}`}})
    expect(wrong.status).toBe(401)
    const good = await call(guarded, '/v1/miners', {headers: {authorization: `Bearer ${alice.key}`}})
    expect(good.status).toBe(200)

    expect((await keys.revoke('alice')).map((k) => k.id)).toEqual([alice.id])
    const revoked = await call(guarded, '/v1/miners', {headers: {authorization: `Bearer ${alice.key}`}})
    expect(revoked.status).toBe(401)
    expect(revoked.json.error).toMatch(/unknown or revoked/)
    // the health page, metrics and the document stay open
    expect((await call(guarded, '/healthz')).status).toBe(200)
    const detect = await call(guarded, '/v1/detect', {...multipart(await photo(PNG), PNG, 'image/png'), headers: {authorization: `Bearer ${bob.key}`}})
    expect(detect.status).toBe(200)
  })

  it('limits a burst per key with 429 and Retry-After; another key still gets through', async () => {
    const carol = await keys.add('carol')
    const dave = await keys.add('dave')
    const auth = (k: string) => ({headers: {authorization: `Bearer ${k}`}})
    const statuses: number[] = []
    let limited: Awaited<ReturnType<typeof call>> | undefined
    for (let i = 0; i < 8; i++) {
      const r = await call(guarded, '/v1/miners', auth(carol.key))
      statuses.push(r.status)
      if (r.status === 429) limited ??= r
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses.slice(5)).toEqual([429, 429, 429])
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited!.json.error).toMatch(/rate limit of 5 requests per minute/)
    expect((await call(guarded, '/v1/miners', auth(dave.key))).status).toBe(200)
  })

  it('answers 503 with what each miner did when none answered validly; per-IP limit without keys', async () => {
    // the same subnet, but every axon announced at a port where nothing listens
    const dead = http.createServer()
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
    const deadPort = (dead.address() as {port: number}).port
    await new Promise((r) => dead.close(r))
    const {live} = subnet
    const unreachable = await startProxy({
      metagraph: async () => {
        const mg = await live.client.metagraph(live.netuid)
        return {...mg, axons: mg.axons.map((a) => (a.ip === '0.0.0.0' ? a : {...a, port: deadPort}))}
      },
      netuid: live.netuid, hotkey: live.validator.hotkey, port: 0, timeoutS: 5, rateLimit: 2,
    })
    try {
      const r = await call(unreachable, '/v1/detect', multipart(await photo(PNG), PNG, 'image/png'))
      expect(r.status).toBe(503)
      expect(r.json.error).toMatch(/none of the 2 miners queried answered validly \(unreachable\)/)
      expect((r.json.miners as {status: string; status_code: number}[]).map((m) => [m.status, m.status_code])).toEqual([['unreachable', 503], ['unreachable', 503]])
      // no keys file: the limit counts per client IP (2 per minute here, the 503 above was one)
      expect((await call(unreachable, '/v1/miners')).status).toBe(200)
      const over = await call(unreachable, '/v1/miners')
      expect(over.status).toBe(429)
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await unreachable.close()
    }
  })

  it('serves /healthz, /metrics, /openapi.json (from the zod schemas) and the page', async () => {
    const health = await call(open, '/healthz')
    expect(health.json).toMatchObject({status: 'ok', netuid: subnet.live.netuid, hotkey: subnet.live.validator.hotkey.address, auth: false})
    const metrics = await call(open, '/metrics')
    expect(metrics.text).toMatch(/bitmind_proxy_requests_total\{route="\/v1\/detect",status="200"\} [1-9]/)
    expect(metrics.text).toMatch(/bitmind_proxy_requests_total\{route="\/v1\/detect",status="413"\} 2/)
    expect(metrics.text).toMatch(/bitmind_proxy_request_seconds_bucket\{le="\+Inf",route="\/v1\/detect"\}/)
    expect(metrics.text).toMatch(/bitmind_proxy_miners_answered_bucket\{le="2"\} [1-9]/)
    const doc = (await call(open, '/openapi.json')).json as {openapi: string; paths: Record<string, unknown>; components: {schemas: Record<string, {required?: string[]; properties?: Record<string, unknown>}>}}
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/detect', '/v1/miners', '/healthz', '/metrics']))
    expect(doc.components.schemas.DetectJsonRequest!.required).toEqual(['image'])
    expect(Object.keys(doc.components.schemas.DetectResponse!.properties!)).toEqual(['probability', 'verdict', 'miners', 'responded', 'queried', 'block'])
    const page = await call(open, '/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.text).toContain('<script src="app.js"')
    expect(page.text).not.toMatch(/https?:\/\//)
    expect((await call(open, '/nope')).status).toBe(404)
  })
})

/** POST a body of raw bytes as one multipart file or as JSON base64, with node:http so an early 413 is read even while sending. */
function post(server: ProxyServer, route: string, bytes: Buffer, as: 'multipart' | 'json'): Promise<{status: number; error: string}> {
  const boundary = 'bitmindtestboundary'
  const body = as === 'json'
    ? Buffer.from(JSON.stringify({image: bytes.toString('base64')}))
    : Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="big.png"\r\ncontent-type: image/png\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
  const type = as === 'json' ? 'application/json' : `multipart/form-data; boundary=${boundary}`
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(route, server.url), {method: 'POST', headers: {'content-type': type, 'content-length': String(body.length)}}, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, error: String((JSON.parse(text) as {error: string}).error)}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

