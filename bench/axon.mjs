// bench/axon: signed ImageSynapse requests against a local axon with a dummy forward.
// Usage: npm run build && node bench/axon.mjs [requests=10000] [connections=64]
// 64 dendrites (one uuid each, like 64 validators) each keep one keep-alive connection busy; requests are signed
// before the clock starts so the number measures the axon (parse, sr25519 verify, nonce, blacklist, forward, sign).
import http from 'node:http'
import os from 'node:os'

import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {Axon, Dendrite, ImageSynapse} from '../dist/protocol/index.js'

const total = Number(process.argv[2] ?? 10_000)
const connections = Number(process.argv[3] ?? 64)

await cryptoWaitReady()
const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
const miner = keyring.addFromUri('//Bob')
const axon = new Axon({hotkey: miner, port: 0, ip: '127.0.0.1', concurrency: 64, maxQueue: 1024, perCallerConcurrency: 4})
axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.5}))
await axon.start()
const target = {ip: '127.0.0.1', port: axon.port, hotkey: miner.address}

const raw = Buffer.alloc(64 * 64 * 3, 127)
const image = (await sharp(raw, {raw: {width: 64, height: 64, channels: 3}}).jpeg({quality: 75}).toBuffer()).toString('base64')

const perConn = Math.ceil(total / connections)
const lanes = []
for (let c = 0; c < connections; c++) {
  const dendrite = new Dendrite({keypair: keyring.addFromUri(`//Validator${c}`)})
  const reqs = []
  for (let i = 0; i < perConn && c * perConn + i < total; i++) reqs.push(dendrite.prepare(ImageSynapse, {image}, target, 60))
  lanes.push(reqs)
}

const agent = new http.Agent({keepAlive: true, maxSockets: connections})
function send({headers, body}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = http.request({host: '127.0.0.1', port: axon.port, path: '/ImageSynapse', method: 'POST', agent,
      headers: {...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      res.resume()
      res.on('end', () => resolve({status: res.statusCode, ms: performance.now() - t0}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const latencies = []
const statuses = new Map()
const t0 = performance.now()
await Promise.all(lanes.map(async (reqs) => {
  for (const r of reqs) {
    const {status, ms} = await send(r)
    latencies.push(ms)
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
  }
}))
const seconds = (performance.now() - t0) / 1000
latencies.sort((a, b) => a - b)
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1)
console.log(JSON.stringify({
  requests: latencies.length, connections, seconds: Number(seconds.toFixed(2)),
  reqPerSec: Math.round(latencies.length / seconds), p50ms: Number(pct(0.5)), p99ms: Number(pct(0.99)),
  statuses: Object.fromEntries(statuses), cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
}))
agent.destroy()
await axon.stop()
