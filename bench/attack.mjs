// The fault cases of test/faults at volume, loopback only: a hostile flood against a real `bitmind mine` on the
// devnet, chain restarts under running neurons, and SIGKILLs of the validator. Prints the tables BENCHMARKS.md
// carries. Needs `npm run build`.
//
//   node bench/attack.mjs [--requests 5000] [--concurrency 500] [--restarts 3] [--kills 20] [--only flood,restart,kill]
//                         [--skip image_1x1,...]
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'

import {startDevnet} from '../dist/devnet/index.js'
import {
  badAccepted, faultGenesis, flood, freePort, hostileKinds, registerNeurons, rssMb, spawnBitmind,
} from './attack-lib.mjs'

const {values: args} = parseArgs({options: {
  requests: {type: 'string', default: '5000'},
  concurrency: {type: 'string', default: '500'},
  restarts: {type: 'string', default: '3'},
  kills: {type: 'string', default: '20'},
  only: {type: 'string', default: 'flood,restart,kill'},
  skip: {type: 'string', default: ''},
}})
const only = new Set(args.only.split(','))

async function floodCase(tmp) {
  await cryptoWaitReady()
  const devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: faultGenesis()})
  const wallets = path.join(tmp, 'wallets')
  const n = await registerNeurons(devnet.url, wallets, ['miner', 'validator'])
  const port = await freePort()
  const mine = spawnBitmind([
    'mine', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
    '--wallet.name', 'miner', '--wallet.hotkey', 'default', '--wallet.path', wallets,
    '--axon.port', String(port), '--axon.ip', '127.0.0.1', '--axon.external_ip', '127.0.0.1',
    '--neuron.model_path', 'models/npr.onnx', '--axon.body_timeout', '2', '--axon.headers_timeout', '2',
  ])
  try {
    await mine.waitFor(/miner running/, 120_000)
    const stranger = new Keyring({type: 'sr25519', ss58Format: 42}).addFromMnemonic(mnemonicGenerate())
    const kinds = await hostileKinds({port, axonHotkey: n.miner.hotkey.address, caller: n.validator.hotkey, stranger, bodyTimeoutS: 2})
    // --skip kind,kind: leave kinds out of the flood (to see which one costs memory)
    for (const k of args.skip.split(',').filter(Boolean)) delete kinds[k]
    const rssStart = rssMb(mine.child.pid)
    // warm-up: good requests and 300 tiny images 64 at a time, so the model's working set (ONNX Runtime's
    // arena for the batch sizes a flood makes) is in place before measuring
    await Promise.all(Array.from({length: 32}, () => kinds.good()))
    await flood({image_1x1: kinds.image_1x1}, {total: 300, concurrency: 64, heavy: 0, slow: 0})
    const rssBefore = rssMb(mine.child.pid)
    const requests = Number(args.requests)
    const t0 = performance.now()
    const r = await flood(kinds, {total: requests, concurrency: Number(args.concurrency), heavy: Math.max(3, Math.round(requests / 250)), slow: Math.max(10, Math.round(requests / 100))})
    const seconds = (performance.now() - t0) / 1000
    const good = await kinds.good()
    const rssAfter = rssMb(mine.child.pid)
    console.log(`\n## axon flood: ${r.requests} requests, ${r.peakConnections} connections at once, ${seconds.toFixed(1)} s`)
    console.log(`bad accepted: ${badAccepted(r.stats)}; good request after: ${good.status} (prediction ${good.json?.prediction})`)
    console.log(`miner RSS: ${rssStart.toFixed(0)} MB at start, ${rssBefore.toFixed(0)} MB after warm-up, ${rssAfter.toFixed(0)} MB after the flood (+${(rssAfter - rssBefore).toFixed(1)} MB)\n`)
    console.log('| case | requests | accepted | statuses |')
    console.log('|---|---|---|---|')
    for (const [kind, s] of Object.entries(r.stats)) {
      const st = Object.entries(s.statuses).map(([k, v]) => `${k}×${v}`).join(', ')
      console.log(`| ${kind} | ${s.sent} | ${s.accepted}${s.badAnswers ? ` (${s.badAnswers} bad answers)` : ''} | ${st} |`)
    }
    console.log(`| **all** | ${r.requests} | bad: ${badAccepted(r.stats)} | RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB |`)
    console.log(`miner log lines: ${mine.log().split('\n').length}`)
  } finally {
    await mine.stop('SIGKILL')
    await devnet.stop()
  }
}

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-attack-'))
console.log(`bench/attack.mjs on ${os.cpus().length}× ${os.cpus()[0]?.model}, ${new Date().toISOString()}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
try {
  if (only.has('flood')) await floodCase(path.join(tmp, 'flood'))
  const neurons = only.has('restart') || only.has('kill') ? await import('./attack-neurons.mjs') : undefined
  if (only.has('restart')) await neurons.chainRestarts(path.join(tmp, 'restart'), Number(args.restarts), console.log)
  if (only.has('kill')) await neurons.validatorKills(path.join(tmp, 'kill'), Number(args.kills), console.log)
} finally {
  await fs.rm(tmp, {recursive: true, force: true})
}
process.exit(0)
