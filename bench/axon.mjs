// bench/axon: signed ImageSynapse requests against a local axon, with a dummy forward or the real miner.
// Usage: npx tsc -p tsconfig.build.json && node bench/axon.mjs [requests=10000] [connections=64] [--model FILE] [--no-batch]
// --model runs the miner's own request path in the child (Miner + startMinerAxon: blacklist against a metagraph
// holding the validators' hotkeys, stake priority, decode, PredictBatcher, the detector on ONNX Runtime) and sends
// each request a 256² JPEG q75 challenge made from a demo photo; --no-batch sets the batcher to one image per call.
// The axon runs in a child process so its CPU time can be measured apart from the client's. 64 dendrites (one
// hotkey and uuid each, like 64 validators) each keep one keep-alive connection busy. Requests are signed before
// the clock starts, so the numbers measure the axon: parse, sr25519 verify, nonce, blacklist, forward, reply signing.
import {fork} from 'node:child_process'
import http from 'node:http'
import os from 'node:os'
import {fileURLToPath} from 'node:url'

import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {Axon, Dendrite, ImageSynapse} from '../dist/protocol/index.js'

await cryptoWaitReady()
const keyring = new Keyring({type: 'sr25519', ss58Format: 42})

const flag = (name) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv.splice(i, name.startsWith('--no-') ? 1 : 2)[1] ?? true
}
const validatorUri = (c) => `//Validator${c}`

async function realMinerAxon(modelPath, batch, connections) {
  const {loadDetector} = await import('../dist/detector/load.js')
  const {decodeImage} = await import('../dist/image/index.js')
  const {Miner} = await import('../dist/miner/miner.js')
  const {ModelHolder} = await import('../dist/miner/model-holder.js')
  const {startMinerAxon} = await import('../dist/miner/serve.js')
  const hotkeys = Array.from({length: connections}, (_, c) => keyring.addFromUri(validatorUri(c)).address)
  const mg = {uids: hotkeys.map((_, i) => i), hotkeys, stake: hotkeys.map(() => 1000), validatorPermit: hotkeys.map(() => true),
    lastUpdate: hotkeys.map(() => 0), axons: hotkeys.map(() => ({ip: '0.0.0.0', port: 0}))}
  const holder = await ModelHolder.open(modelPath, (p) => loadDetector(p), {pollMs: 60_000})
  const miner = await Miner.create({holder, decode: (b) => decodeImage(b, {name: 'challenge'}), forceValidatorPermit: true,
    chain: {currentBlock: async () => 1, metagraph: async () => mg}, batch: batch ? {} : {maxBatch: 1, windowMs: 0}})
  const axon = await startMinerAxon(miner, {hotkey: keyring.addFromUri('//Bob'), port: 0, ip: '127.0.0.1'})
  return {axon, stop: () => miner.stop()}
}

if (process.argv[2] === '--serve') {
  const modelPath = flag('--model')
  const noBatch = flag('--no-batch')
  let axon, stopMiner
  if (modelPath) ({axon, stop: stopMiner} = await realMinerAxon(modelPath, !noBatch, Number(process.argv[3])))
  else {
    axon = new Axon({hotkey: keyring.addFromUri('//Bob'), port: 0, ip: '127.0.0.1', concurrency: 64, maxQueue: 1024, perCallerConcurrency: 4})
    axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.5}))
    await axon.start()
  }
  let cpu0 = process.cpuUsage()
  process.on('message', async (m) => {
    if (m === 'mark') {
      cpu0 = process.cpuUsage()
      process.send({marked: true})
    } else if (m === 'stop') {
      const cpu = process.cpuUsage(cpu0)
      await axon.stop()
      await stopMiner?.()
      process.send({cpuSeconds: (cpu.user + cpu.system) / 1e6}, () => process.exit(0))
    }
  })
  process.send({port: axon.port})
} else {
  const modelPath = flag('--model')
  const noBatch = flag('--no-batch')
  const total = Number(process.argv[2] ?? 10_000)
  const connections = Number(process.argv[3] ?? 64)
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(connections), ...(modelPath ? ['--model', modelPath] : []), ...(noBatch ? ['--no-batch'] : [])])
  const next = () => new Promise((resolve) => child.once('message', resolve))
  const {port} = await next()
  const target = {ip: '127.0.0.1', port, hotkey: keyring.addFromUri('//Bob').address}

  let image
  if (modelPath) {
    const {augmentChallenge, decodeImage, encodeJpeg} = await import('../dist/image/index.js')
    const {createRng} = await import('../dist/config/random.js')
    const photo = await decodeImage(fileURLToPath(new URL('../assets/demo-photos/plasma-workspace-ColdRipple-000.png', import.meta.url)))
    image = (await encodeJpeg(await augmentChallenge(photo, createRng(7), 256), 75)).toString('base64')
  } else {
    const raw = Buffer.alloc(64 * 64 * 3, 127)
    image = (await sharp(raw, {raw: {width: 64, height: 64, channels: 3}}).jpeg({quality: 75}).toBuffer()).toString('base64')
  }
  const perConn = Math.ceil(total / connections)
  const lanes = []
  for (let c = 0; c < connections; c++) {
    const dendrite = new Dendrite({keypair: keyring.addFromUri(validatorUri(c))})
    const reqs = []
    for (let i = 0; i < perConn && c * perConn + i < total; i++) reqs.push(dendrite.prepare(ImageSynapse, {image}, target, 60))
    lanes.push(reqs)
    dendrite.close()
  }

  const agent = new http.Agent({keepAlive: true, maxSockets: connections})
  const send = ({headers, body}) => new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = http.request({host: '127.0.0.1', port, path: '/ImageSynapse', method: 'POST', agent,
      headers: {...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      res.resume()
      res.on('end', () => resolve({status: res.statusCode, ms: performance.now() - t0}))
    })
    req.on('error', reject)
    req.end(body)
  })

  child.send('mark')
  await next()
  const latencies = []
  const statuses = {}
  const load0 = os.loadavg()[0]
  const t0 = performance.now()
  await Promise.all(lanes.map(async (reqs) => {
    for (const r of reqs) {
      const {status, ms} = await send(r)
      latencies.push(ms)
      statuses[status] = (statuses[status] ?? 0) + 1
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  agent.destroy()
  child.send('stop')
  const {cpuSeconds} = await next()
  latencies.sort((a, b) => a - b)
  const pct = (p) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1))
  console.log(JSON.stringify({
    forward: modelPath ? `${modelPath} (batching ${noBatch ? 'off' : 'on'})` : 'dummy', requests: latencies.length, connections, seconds: Number(seconds.toFixed(2)),
    reqPerSec: Math.round(latencies.length / seconds), p50ms: pct(0.5), p99ms: pct(0.99), statuses,
    axonCpuMsPerRequest: Number((cpuSeconds * 1000 / latencies.length).toFixed(3)),
    reqPerAxonCpuSecond: Math.round(latencies.length / cpuSeconds),
    loadavg1mBefore: load0, loadavg1mAfter: os.loadavg()[0], cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
  }))
}
