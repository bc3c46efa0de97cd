// bench/pow: registration PoW hashes/s per worker-thread count (docs/ARCHITECTURE.md § Chain seal: keccak256(sha256(nonce ‖ bh))).
// Usage: npx tsc -p tsconfig.build.json && node bench/pow.mjs [seconds-per-count=5] [worker counts=1,2,4]
// Each count runs the real solver (dist/chain/pow-solver.js, worker_threads + hash-wasm) at an unreachable
// difficulty for the given time. The rate is taken between the first and the last progress tick, so worker start-up
// (thread spawn, wasm compile) is left out; `cold` is the rate including start-up. A single-thread in-process
// reference (sealFor from dist/chain/pow.js, async hash-wasm) is printed too, plus a correctness check of a seal
// found by the solver at a low difficulty against sealFor.
import os from 'node:os'

import {blockHotkeyHash, sealFor, sealMeetsDifficulty} from '../dist/chain/pow.js'
import {solvePow} from '../dist/chain/pow-solver.js'

const seconds = Number(process.argv[2] ?? 5)
const counts = (process.argv[3] ?? '1,2,4').split(',').map(Number)
const blockHash = Uint8Array.from({length: 32}, (_, i) => (i * 37 + 11) & 0xff)
const hotkey = Uint8Array.from({length: 32}, (_, i) => (i * 13 + 200) & 0xff)
const IMPOSSIBLE = (1n << 256n) - 1n

async function rateFor(workers) {
  const ac = new AbortController()
  const ticks = []
  const t0 = performance.now()
  const timer = setTimeout(() => ac.abort(), seconds * 1000)
  await solvePow({blockHash, hotkey, difficulty: IMPOSSIBLE, workers, signal: ac.signal, startNonce: 1n, onProgress: (p) => ticks.push(p)})
  clearTimeout(timer)
  const wall = (performance.now() - t0) / 1000
  if (ticks.length < 2) throw new Error(`only ${ticks.length} progress ticks in ${seconds} s: run longer`)
  const a = ticks[0]
  const b = ticks.at(-1)
  return {workers, warm: (b.hashes - a.hashes) / (b.seconds - a.seconds), cold: b.hashes / b.seconds, hashes: b.hashes, wall}
}

async function inProcessRate() {
  const bh = await blockHotkeyHash(blockHash, hotkey)
  const t0 = performance.now()
  let n = 0n
  while (performance.now() - t0 < 2000) await sealFor(bh, n++)
  return Number(n) / ((performance.now() - t0) / 1000)
}

// correctness: a seal the threaded solver finds must be the one pow.ts computes, and meet the difficulty
const sol = await solvePow({blockHash, hotkey, difficulty: 5000n, workers: 2, startNonce: 0n})
const check = await sealFor(await blockHotkeyHash(blockHash, hotkey), sol.nonce)
if (!Buffer.from(check).equals(Buffer.from(sol.seal)) || !sealMeetsDifficulty(check, 5000n)) throw new Error('solver seal mismatch')
console.log(`check: difficulty 5000 solved at nonce ${sol.nonce} after ${sol.hashes} hashes; seal matches pow.ts`)

const cpu = (os.cpus()[0]?.model ?? '?').trim()
console.log(`machine: ${os.cpus().length} cpus (${cpu}), node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`in-process sealFor (async hash-wasm, 1 thread): ${Math.round(await inProcessRate())} H/s`)
console.log('| workers | hashes/s (warm) | hashes/s (incl. start-up) | hashes | load avg |')
console.log('|---------|-----------------|---------------------------|--------|----------|')
for (const w of counts) {
  const r = await rateFor(w)
  console.log(`| ${w} | ${Math.round(r.warm)} | ${Math.round(r.cold)} | ${r.hashes} | ${os.loadavg()[0].toFixed(1)} |`)
}
