// Fault and hostile-input cases shared by test/faults (small counts) and bench/attack.mjs (volume). Loopback only.
// Uses the built package (dist/, bin/run.js): run `npm run build` first.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {promises as fs, readFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {connectSubtensor} from '../dist/chain/index.js'
import {loadHotkey} from '../dist/chain/neuron.js'
import {Dendrite, ImageSynapse} from '../dist/protocol/index.js'
import {timeNs} from '../dist/protocol/signing.js'
import {addStake} from '../dist/validator/chain-adapter.js'
import {writeHotkey} from '../dist/wallet/index.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BIN = path.join(ROOT, 'bin', 'run.js')
const TAO = 1_000_000_000n

/** A port that was free a moment ago (for processes that must be restarted on the same port). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

/** `bitmind …` as a child process; its stderr+stdout collected, `waitFor` a line. */
export function spawnBitmind(args, opts = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, ...opts.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let text = ''
  const waiters = new Set()
  const onData = (d) => {
    text += d
    for (const w of waiters) w()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({code, signal})))
  return {
    child,
    exited,
    log: () => text,
    /** resolves with the match once `re` matches the output (searching from `from`), rejects after `ms` or on exit */
    waitFor(re, ms = 30_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(text.slice(from))
          if (m) {
            done()
            resolve(m)
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no ${re} within ${ms} ms; output:\n${text.slice(-3000)}`))
        }, ms)
        const onExit = () => {
          check()
          done()
          reject(new Error(`process exited before ${re}; output:\n${text.slice(-3000)}`))
        }
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
          child.off('exit', onExit)
        }
        waiters.add(check)
        child.once('exit', onExit)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/**
 * Fresh wallets under `walletDir`, registered on netuid 1 of the chain at `url` (funded by //Alice); the validator
 * also stakes so it holds a permit. Returns the refs and keypairs.
 */
export async function registerNeurons(url, walletDir, names, opts = {}) {
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  const alice = keyring.addFromUri('//Alice')
  const client = await connectSubtensor(url)
  try {
    const out = {}
    for (const name of names) {
      const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
      const ref = {name, hotkey: 'default', path: walletDir}
      await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
      const hotkey = await loadHotkey(ref)
      await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 1000n * TAO), alice)
      await client.burnedRegister(coldkey, hotkey.address, 1)
      if (opts.stake?.[name]) await addStake(client, coldkey, hotkey.address, 1, opts.stake[name])
      out[name] = {ref, coldkey, hotkey, uid: await client.uidOf(1, hotkey.address)}
    }
    return out
  } finally {
    await client.close()
  }
}

/** Genesis for the fault cases: one subnet, cheap burn, weights allowed every block. */
export function faultGenesis(extra = {}) {
  return {subnets: [{netuid: 1, tempo: 10, burn: 1, weightsSetRateLimit: 1, immunityPeriod: 1000, ...extra}]}
}

/** Small real images (PNG) for a validator's --data.real_dir / --data.synthetic_dir. */
export async function writeImages(dir, v, n = 3) {
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < n; i++) {
    await sharp({create: {width: 64, height: 64, channels: 3, background: {r: v + i, g: v, b: v}}}).png().toFile(path.join(dir, `${i}.png`))
  }
}

// ---- hostile requests against an axon ----

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

/** A PNG whose IHDR claims `w`×`h` (a decompression bomb by its header). */
export function pngClaiming(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(16)), chunk('IEND', Buffer.alloc(0))])
}

/** A real small JPEG with its SOF header patched to claim `w`×`h`. */
export async function jpegClaiming(w, h) {
  const jpeg = await sharp({create: {width: 16, height: 16, channels: 3, background: {r: 9, g: 99, b: 199}}}).jpeg().toBuffer()
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] >= 0xc0 && jpeg[i + 1] <= 0xc2) {
      jpeg.writeUInt16BE(h, i + 5)
      jpeg.writeUInt16BE(w, i + 7)
      return jpeg
    }
  }
  throw new Error('no SOF marker in the test JPEG')
}

export async function jpegOf(width, height) {
  const data = Buffer.alloc(width * height * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0xff
  return sharp(data, {raw: {width, height, channels: 3}}).jpeg({quality: 75}).toBuffer()
}

/**
 * One HTTP request on its own connection. `body` is a Buffer, or {slowBytes, everyMs} to trickle bytes, or
 * {declared, bytes} to send a content-length and a body. Resolves with the status, or 'reset' / 'timeout'.
 */
export function rawPost(port, name, headers, body, timeoutMs = 30_000) {
  return new Promise((resolve) => {
    let settled = false
    const finish = (v) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearInterval(drip)
      req.destroy()
      resolve(v)
    }
    let drip
    const timer = setTimeout(() => finish({status: 'timeout'}), timeoutMs)
    const len = Buffer.isBuffer(body) ? body.length : body.declared ?? body.slowBytes
    const req = http.request({host: '127.0.0.1', port, path: `/${name}`, method: 'POST', agent: false,
      headers: {...headers, 'content-type': 'application/json', 'content-length': String(len)}}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        let json
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          json = undefined
        }
        finish({status: res.statusCode, json})
      })
      res.on('error', () => finish({status: 'reset'}))
    })
    req.on('error', () => finish({status: 'reset'}))
    if (Buffer.isBuffer(body)) req.end(body)
    else if (body.bytes) req.end(body.bytes)
    else {
      let sent = 0
      drip = setInterval(() => {
        if (sent >= body.slowBytes) return clearInterval(drip)
        req.write('{')
        sent++
      }, body.everyMs)
    }
  })
}

/** A connection that sends nothing at all (slowloris on the headers). Resolves when the server closes it. */
export function idleConnection(port, timeoutMs = 30_000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    const timer = setTimeout(() => {
      s.destroy()
      resolve({status: 'timeout'})
    }, timeoutMs)
    s.on('data', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve({status: 'closed'})
    })
    s.on('error', () => {})
  })
}

/** The signed request a dendrite with a fresh uuid would send (so nonces of concurrent requests never collide). */
function signed(pair, axonHotkey, port, fields, nonce) {
  const d = new Dendrite({keypair: pair, uuid: randomUUID()})
  const p = d.prepare(ImageSynapse, fields, {ip: '127.0.0.1', port, hotkey: axonHotkey}, 12, nonce)
  d.close()
  return {headers: p.headers, body: Buffer.from(p.body)}
}

/**
 * The hostile kinds of request, each a function sending one. `caller` is a registered validator's keypair (so
 * only the request itself is wrong), `stranger` an unregistered one. `prediction` is a number when 200.
 */
export async function hostileKinds({port, axonHotkey, caller, stranger, bodyTimeoutS}) {
  const good = (await jpegOf(64, 64)).toString('base64')
  const b64 = (buf) => buf.toString('base64')
  const [jpeg30k, jpeg65k, oneByOne] = await Promise.all([jpegClaiming(30000, 30000), jpegClaiming(65000, 65000), jpegOf(1, 1)])
  const replayed = signed(caller, axonHotkey, port, {image: good})
  const first = await rawPost(port, 'ImageSynapse', replayed.headers, replayed.body)
  if (first.status !== 200) throw new Error(`the request to replay was not answered (${first.status})`)
  const big = Buffer.alloc(50 * 1024 * 1024, 0x41)
  const signedWith = (fields, pair = caller, hotkey = axonHotkey, nonce) => signed(pair, hotkey, port, fields, nonce)
  const send = (r, body = r.body) => rawPost(port, 'ImageSynapse', r.headers, body)
  return {
    unsigned: () => rawPost(port, 'ImageSynapse', {name: 'ImageSynapse', timeout: '12'}, Buffer.from(JSON.stringify({image: good}))),
    bad_signature: () => {
      const r = signedWith({image: good})
      const sig = r.headers.bt_header_dendrite_signature
      r.headers.bt_header_dendrite_signature = sig.slice(0, -4) + (sig.endsWith('0000') ? '1111' : '0000')
      return send(r)
    },
    replayed_nonce: () => send(replayed),
    stale_nonce: () => send(signedWith({image: good}, caller, axonHotkey, timeNs() - 120_000_000_000n)),
    wrong_axon_hotkey: () => send(signedWith({image: good}, caller, stranger.address)),
    unregistered_caller: () => send(signedWith({image: good}, stranger)),
    body_50mb: () => rawPost(port, 'ImageSynapse', signedWith({image: good}).headers, {declared: big.length, bytes: big}),
    truncated_json: () => {
      const r = signedWith({image: good})
      return send(r, r.body.subarray(0, Math.floor(r.body.length / 2)))
    },
    not_an_image: () => send(signedWith({image: b64(Buffer.from('this is not an image, just text '.repeat(20)))})),
    png_30000: () => send(signedWith({image: b64(pngClaiming(30000, 30000))})),
    png_65000: () => send(signedWith({image: b64(pngClaiming(65000, 65000))})),
    jpeg_30000: () => send(signedWith({image: b64(jpeg30k)})),
    jpeg_65000: () => send(signedWith({image: b64(jpeg65k)})),
    // a real image, just tiny: answering it is fine, but only with a probability
    image_1x1: () => send(signedWith({image: b64(oneByOne)})),
    slow_body: () => rawPost(port, 'ImageSynapse', signedWith({image: good}).headers, {slowBytes: 10 * (bodyTimeoutS + 5), everyMs: 100}),
    idle_connection: () => idleConnection(port),
    good: () => send(signedWith({image: good})),
  }
}

/** Kinds whose requests may be answered (with a probability in [0, 1]); every other kind must be refused. */
export const MAY_ANSWER = new Set(['image_1x1', 'good'])

/**
 * Fire `total` requests mixing every hostile kind, `concurrency` connections at once. `heavy` caps the 50 MB
 * bodies and slow bodies (they cost the sender more than the miner). Returns per kind: sent, accepted (200),
 * statuses.
 */
export async function flood(kinds, {total, concurrency, heavy = 4, slow = 10}) {
  const names = Object.keys(kinds).filter((k) => k !== 'good')
  const plan = []
  for (let i = 0; i < slow; i++) plan.push('slow_body')
  for (let i = 0; i < heavy; i++) plan.push('body_50mb')
  const light = names.filter((k) => k !== 'slow_body' && k !== 'body_50mb')
  for (let i = 0; plan.length < total; i++) plan.push(light[i % light.length])
  const stats = {}
  for (const k of names) stats[k] = {sent: 0, accepted: 0, badAnswers: 0, statuses: {}}
  let next = 0
  let peak = 0
  let open = 0
  const worker = async () => {
    while (next < plan.length) {
      const kind = plan[next++]
      open++
      peak = Math.max(peak, open)
      const r = await kinds[kind]()
      open--
      const s = stats[kind]
      s.sent++
      s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1
      if (r.status === 200) {
        s.accepted++
        const p = r.json?.prediction
        if (!(typeof p === 'number' && p >= 0 && p <= 1)) s.badAnswers++
      }
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker))
  return {stats, peakConnections: peak, requests: plan.length}
}

/** Requests of kinds that must be refused but got a 200 (the number that must be 0). */
export function badAccepted(stats) {
  let n = 0
  for (const [k, s] of Object.entries(stats)) n += MAY_ANSWER.has(k) ? s.badAnswers : s.accepted
  return n
}

// ---- power loss: SIGKILL a validator at random points ----

/**
 * `runs` times: start `bitmind validate <args>`, SIGKILL it a random 0..maxDelayMs after it says "validator
 * starting" (`random` in [0, 1)), then check what a crash must leave: state.json parses (or was never written),
 * every complete line of results.jsonl is JSON, and the run resumed at the step the previous one saved. Returns one
 * row per run and the violations found (empty when all held).
 */
export async function killLoop({args, stateDir, runs, random, maxDelayMs, loadState}) {
  const resultsFile = path.join(stateDir, 'results.jsonl')
  const rows = []
  const violations = []
  let saved = (await loadState(stateDir))?.step ?? 0
  for (let run = 0; run < runs; run++) {
    const v = spawnBitmind(args)
    const killAfterMs = Math.floor(random() * maxDelayMs)
    try {
      await v.waitFor(/validator starting/, 120_000)
      await sleep(killAfterMs)
      v.child.kill('SIGKILL')
      await v.exited
    } finally {
      await v.stop('SIGKILL')
    }
    const resumed = /resumed validator state step=(\d+)/.exec(v.log())
    let state
    try {
      state = await loadState(stateDir)
    } catch (err) {
      violations.push(`run ${run}: state.json unreadable: ${err.message}`)
    }
    const text = await fs.readFile(resultsFile, 'utf8').catch(() => '')
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1)
    const torn = complete.length < text.length
    for (const line of complete.split('\n').filter(Boolean)) {
      try {
        JSON.parse(line)
      } catch {
        violations.push(`run ${run}: results.jsonl line is not JSON: ${line.slice(0, 80)}`)
      }
    }
    if (resumed && Number(resumed[1]) !== saved) violations.push(`run ${run}: resumed at step ${resumed[1]}, the last saved step was ${saved}`)
    const now = state?.step ?? 0
    if (now < saved) violations.push(`run ${run}: state went back from step ${saved} to ${now}`)
    if (now > saved && saved > 0 && !resumed) violations.push(`run ${run}: stepped on without resuming step ${saved}`)
    rows.push({run, killAfterMs, resumedAt: resumed ? Number(resumed[1]) : null, stepsSaved: now - saved, tornLine: torn})
    saved = now
  }
  return {rows, violations, savedStep: saved}
}
