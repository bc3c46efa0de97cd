import {createRequire} from 'node:module'
import {pathToFileURL} from 'node:url'
import {Worker} from 'node:worker_threads'

import {blockHotkeyHash, sealHashers} from './pow.js'
import {sealFromWork, sealMeetsDifficulty} from './rules.js'

export interface PowSolution {
  nonce: bigint
  seal: Uint8Array
  /** hashes tried by all workers */
  hashes: number
  seconds: number
}

export interface PowProgress {
  hashes: number
  hashesPerSecond: number
  seconds: number
}

export interface SolveOptions {
  blockHash: Uint8Array
  hotkey: Uint8Array
  difficulty: bigint
  workers?: number
  /** stop after this many hashes in total (benchmarks); resolves undefined */
  maxHashes?: number
  signal?: AbortSignal
  onProgress?: (p: PowProgress) => void
  /** first nonce (worker i starts at start + i·2⁴⁰); random when omitted */
  startNonce?: bigint
}

// The worker is inline (eval) so that the same code runs from dist/ and under ts-jest: its hashing is the source text of
// sealHashers (pow.ts) and of the seal rules (rules.ts), the very functions the client and the devnet call.
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
${sealHashers.toString()}
${sealFromWork.toString()}
${sealMeetsDifficulty.toString()}
;(async () => {
  const h = await sealHashers(await import(workerData.hashWasm))
  const difficulty = BigInt(workerData.difficulty)
  const bh = workerData.bh
  let nonce = BigInt(workerData.start)
  let stop = false
  parentPort.on('message', (m) => { if (m === 'stop') stop = true })
  const batch = 20000
  while (!stop) {
    for (let i = 0; i < batch; i++) {
      const seal = sealFromWork(h, bh, nonce)
      if (sealMeetsDifficulty(seal, difficulty)) {
        parentPort.postMessage({type: 'found', nonce: nonce.toString(), seal, hashes: i + 1})
        return
      }
      nonce = BigInt.asUintN(64, nonce + 1n)
    }
    parentPort.postMessage({type: 'progress', hashes: batch})
    await new Promise((r) => setImmediate(r))
  }
})().catch((e) => parentPort.postMessage({type: 'error', message: String(e && e.message || e)}))
`

function hashWasmUrl(): string {
  const require = createRequire(import.meta.url)
  return pathToFileURL(require.resolve('hash-wasm')).href
}

function randomNonce(): bigint {
  const b = new BigUint64Array(1)
  crypto.getRandomValues(b)
  return b[0]!
}

/** Search nonces on `workers` threads until a seal meets the difficulty (or the signal aborts: undefined). */
export async function solvePow(opts: SolveOptions): Promise<PowSolution | undefined> {
  const workers = Math.max(1, opts.workers ?? 1)
  const bh = await blockHotkeyHash(opts.blockHash, opts.hotkey)
  const start = opts.startNonce ?? randomNonce()
  const t0 = performance.now()
  const pool: Worker[] = []
  let hashes = 0
  return new Promise<PowSolution | undefined>((resolve, reject) => {
    let settled = false
    const finish = (err: Error | undefined, value?: PowSolution) => {
      if (settled) return
      settled = true
      clearInterval(ticker)
      opts.signal?.removeEventListener('abort', onAbort)
      for (const w of pool) void w.terminate()
      if (err) reject(err)
      else resolve(value)
    }
    const onAbort = () => finish(undefined, undefined)
    opts.signal?.addEventListener('abort', onAbort)
    const ticker = setInterval(() => {
      const seconds = (performance.now() - t0) / 1000
      opts.onProgress?.({hashes, seconds, hashesPerSecond: hashes / Math.max(seconds, 1e-9)})
    }, 1000)
    ticker.unref()
    for (let i = 0; i < workers; i++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          hashWasm: hashWasmUrl(),
          bh,
          difficulty: opts.difficulty.toString(),
          start: BigInt.asUintN(64, start + BigInt(i) * (1n << 40n)).toString(),
        },
      })
      pool.push(w)
      w.on('message', (m: {type: string; hashes?: number; nonce?: string; seal?: Uint8Array; message?: string}) => {
        if (m.type === 'progress' || m.type === 'found') hashes += m.hashes ?? 0
        if (m.type === 'found') {
          finish(undefined, {nonce: BigInt(m.nonce!), seal: new Uint8Array(m.seal!), hashes, seconds: (performance.now() - t0) / 1000})
        } else if (m.type === 'error') finish(new Error(`PoW worker failed: ${m.message}`))
        if (opts.maxHashes !== undefined && hashes >= opts.maxHashes) finish(undefined, undefined)
      })
      w.on('error', (e) => finish(e))
    }
    if (opts.signal?.aborted) onAbort()
  })
}
