// bench/proxy: POST /v1/detect through the proxy to 3 local miners with a dummy forward.
// Usage: npm run build && node bench/proxy.mjs [requests=2000] [connections=16]
// The 3 miners (axons answering a fixed prediction, no model) run in a child process; the proxy and the client share
// this one. No chain: the proxy reads a fixed metagraph naming the 3 axons. Two measurements:
//  - overhead: one request at a time, the proxy's answer vs the same three signed queries sent straight from a
//    dendrite (what the proxy waits for: the slowest of the 3 miners); the difference is what the proxy adds
//    (HTTP in, image check, decode + challenge JPEG, aggregation, JSON out);
//  - throughput: `connections` keep-alive clients posting at once.
import {fork} from 'node:child_process'
import http from 'node:http'
import os from 'node:os'
import {fileURLToPath} from 'node:url'

import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {Axon, Dendrite, ImageSynapse} from '../dist/protocol/index.js'
import {startProxy} from '../dist/proxy/server.js'

await cryptoWaitReady()
const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
const MINERS = ['//Bob', '//Charlie', '//Dave']

if (process.argv[2] === '--serve') {
  const ports = []
  for (const [i, uri] of MINERS.entries()) {
    const axon = new Axon({hotkey: keyring.addFromUri(uri), port: 0, ip: '127.0.0.1', concurrency: 64, maxQueue: 1024, perCallerConcurrency: 64})
    axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.2 + 0.3 * i}))
    await axon.start()
    ports.push(axon.port)
  }
  let cpu0 = process.cpuUsage()
  process.on('message', (m) => {
    if (m === 'mark') {
      cpu0 = process.cpuUsage()
      process.send({marked: true})
    } else if (m === 'stop') {
      const cpu = process.cpuUsage(cpu0)
      process.send({cpuSeconds: (cpu.user + cpu.system) / 1e6}, () => process.exit(0))
    }
  })
  process.send({ports})
} else {
  const total = Number(process.argv[2] ?? 2000)
  const connections = Number(process.argv[3] ?? 16)
  const sequential = Math.min(300, total)
  const child = fork(fileURLToPath(import.meta.url), ['--serve'])
  const next = () => new Promise((resolve) => child.once('message', resolve))
  const {ports} = await next()
  const hotkeys = MINERS.map((u) => keyring.addFromUri(u).address)
  const alice = keyring.addFromUri('//Alice')
  const metagraph = {
    block: 1,
    uids: [0, 1, 2, 3],
    hotkeys: [alice.address, ...hotkeys],
    stake: [1000, 1, 1, 1],
    incentive: [0, 0.5, 0.3, 0.2],
    axons: [{ip: '0.0.0.0', port: 0}, ...ports.map((port, i) => ({ip: '127.0.0.1', port, hotkey: hotkeys[i]}))],
  }
  const proxy = await startProxy({metagraph: async () => metagraph, netuid: 1, hotkey: alice, port: 0, rateLimit: 1e9, timeoutS: 10})

  // a 256×256 photo-like JPEG, the size of a validator challenge
  const raw = Buffer.alloc(256 * 256 * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 9) * 13) & 255
  const jpeg = await sharp(raw, {raw: {width: 256, height: 256, channels: 3}}).jpeg({quality: 90}).toBuffer()
  const body = JSON.stringify({image: jpeg.toString('base64')})
  const challenge = (await sharp(jpeg).jpeg({quality: 75}).toBuffer()).toString('base64')

  const agent = new http.Agent({keepAlive: true, maxSockets: connections})
  const post = () => new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = http.request({host: '127.0.0.1', port: proxy.port, path: '/v1/detect', method: 'POST', agent,
      headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      res.resume()
      res.on('end', () => resolve({status: res.statusCode, ms: performance.now() - t0}))
    })
    req.on('error', reject)
    req.end(body)
  })
  const pct = (xs, p) => Number([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(2))

  const dendrite = new Dendrite({keypair: alice})
  const targets = ports.map((port, i) => ({ip: '127.0.0.1', port, hotkey: hotkeys[i]}))
  const load0 = os.loadavg()[0]
  // warm-up
  for (let i = 0; i < 30; i++) {
    await post()
    await dendrite.query(targets, ImageSynapse, {image: challenge}, {timeoutS: 10})
  }
  const direct = []
  const viaProxy = []
  for (let i = 0; i < sequential; i++) {
    let t0 = performance.now()
    await dendrite.query(targets, ImageSynapse, {image: challenge}, {timeoutS: 10})
    direct.push(performance.now() - t0)
    t0 = performance.now()
    const r = await post()
    if (r.status !== 200) throw new Error(`proxy answered ${r.status}`)
    viaProxy.push(performance.now() - t0)
  }
  dendrite.close()

  const latencies = []
  const statuses = {}
  let sent = 0
  child.send('mark')
  await next()
  const cpuMain0 = process.cpuUsage()
  const t0 = performance.now()
  await Promise.all(Array.from({length: connections}, async () => {
    while (sent < total) {
      sent++
      const {status, ms} = await post()
      latencies.push(ms)
      statuses[status] = (statuses[status] ?? 0) + 1
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  const cpuMain = process.cpuUsage(cpuMain0)
  agent.destroy()
  await proxy.close()
  child.send('stop')
  const {cpuSeconds: minersCpu} = await next()
  const mainCpu = (cpuMain.user + cpuMain.system) / 1e6
  console.log(JSON.stringify({
    sequential: {requests: sequential, slowestMinerP50ms: pct(direct, 0.5), proxyP50ms: pct(viaProxy, 0.5), addedP50ms: Number((pct(viaProxy, 0.5) - pct(direct, 0.5)).toFixed(2)), proxyP99ms: pct(viaProxy, 0.99)},
    concurrent: {requests: latencies.length, connections, seconds: Number(seconds.toFixed(2)), reqPerSec: Math.round(latencies.length / seconds), p50ms: pct(latencies, 0.5), p99ms: pct(latencies, 0.99), statuses,
      // CPU per proxied request: proxy + client (this process) and the 3 miners' axons (child); 2 cores / their sum is
      // what the machine sustains when nothing else runs on it
      proxyAndClientCpuMs: Number((mainCpu * 1000 / latencies.length).toFixed(3)), minersCpuMs: Number((minersCpu * 1000 / latencies.length).toFixed(3)),
      reqPerSecOn2IdleCores: Math.round(2 * latencies.length / (mainCpu + minersCpu))},
    loadavg1mBefore: load0, loadavg1mAfter: os.loadavg()[0], cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version,
  }))
}
