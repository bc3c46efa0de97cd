import {createHash, randomUUID} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'

import type {KeyringPair} from '@polkadot/keyring/types'
import {z} from 'zod'

import {signMessage, verifyMessage} from './signing.js'

/**
 * Epistula v2, BitMind's signed-HTTP transport (bitmind-subnet v3.x `bitmind/epistula.py`, HEAD
 * `gas/protocol/epistula.py`, checked at 56be51e2): the body goes as raw bytes and the caller signs
 * `{sha256(body) hex}.{uuid}.{timestamp ms}.{signed_for}` with its sr25519 hotkey, `0x` + hex.
 */
export const EPISTULA_VERSION = '2'

/** HEAD's `allowed_delta_ms` default: a timestamp more than 15 s old or ahead is refused (v3.0 allowed 8 s, past only). */
export const EPISTULA_ALLOWED_DELTA_MS = 15_000

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex')
}

/** The string both sides sign/verify. `timestamp` is the integer ms value (Python `int(header)`, so no leading zeros). */
export function epistulaMessage(p: {bodyHash: string; uuid: string; timestamp: number; signedFor: string}): string {
  return `${p.bodyHash}.${p.uuid}.${p.timestamp}.${p.signedFor}`
}

/**
 * BitMind's clients also send `Epistula-Secret-Signature-{0,1,2}`: signatures of `{interval±1}.{signed_for}` where
 * interval = ceil(ms / 1e4) · 1e4 is a Python float, hence the `.0`. Miners never check them; we send them so our
 * requests look like BitMind's.
 */
export function secretMessages(timestamp: number, signedFor: string): [string, string, string] {
  const interval = Math.ceil(timestamp / 1e4) * 1e4
  return [`${interval - 1}.0.${signedFor}`, `${interval}.0.${signedFor}`, `${interval + 1}.0.${signedFor}`]
}

export interface EpistulaSignOptions {
  /** ms since the epoch (default Date.now()) */
  timestamp?: number
  uuid?: string
}

/** The headers `generate_header(hotkey, body, signed_for)` produces. */
export function epistulaHeaders(pair: KeyringPair, body: Uint8Array, signedFor: string, opts: EpistulaSignOptions = {}): Record<string, string> {
  const timestamp = opts.timestamp ?? Date.now()
  const uuid = opts.uuid ?? randomUUID()
  const signature = signMessage(pair, epistulaMessage({bodyHash: sha256Hex(body), uuid, timestamp, signedFor}))
  const [s0, s1, s2] = secretMessages(timestamp, signedFor)
  return {
    'Epistula-Version': EPISTULA_VERSION,
    'Epistula-Timestamp': String(timestamp),
    'Epistula-Uuid': uuid,
    'Epistula-Signed-By': pair.address,
    'Epistula-Request-Signature': signature,
    'Epistula-Signed-For': signedFor,
    'Epistula-Secret-Signature-0': signMessage(pair, s0),
    'Epistula-Secret-Signature-1': signMessage(pair, s1),
    'Epistula-Secret-Signature-2': signMessage(pair, s2),
  }
}

const ss58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{46,48}$/, 'not an ss58 address')

/** What a request must carry, as Node lower-cases the names. The version is checked separately (its own message). */
export const epistulaRequestHeaders = z.object({
  'epistula-timestamp': z.string().regex(/^[0-9]{1,16}$/, 'not an integer of milliseconds'),
  'epistula-uuid': z.string().min(1).max(64),
  'epistula-signed-by': ss58,
  'epistula-signed-for': ss58,
  'epistula-request-signature': z.string().regex(/^(0x)?[0-9a-fA-F]{128}$/, 'not a hex sr25519 signature'),
})

export interface EpistulaRequest {
  timestamp: number
  uuid: string
  signedBy: string
  signedFor: string
  signature: string
}

/** Why a request is refused, with the HTTP status BitMind's miner answers (400 malformed/unsigned, 401 not allowed). */
export class EpistulaRefusal extends Error {
  constructor(readonly status: number, message: string, readonly reason: string) {
    super(message)
  }
}

/** Version and header shape; throws EpistulaRefusal(400). */
export function parseEpistulaHeaders(headers: IncomingHttpHeaders): EpistulaRequest {
  if (headers['epistula-version'] !== EPISTULA_VERSION) {
    throw new EpistulaRefusal(400, `Unknown Epistula version ${JSON.stringify(headers['epistula-version'] ?? null)}: send Epistula-Version: ${EPISTULA_VERSION}`, 'version')
  }
  const parsed = epistulaRequestHeaders.safeParse(headers)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new EpistulaRefusal(400, `Bad Epistula header ${String(issue.path[0] ?? '')}: ${issue.message}`, 'bad_headers')
  }
  const h = parsed.data
  return {
    timestamp: Number(h['epistula-timestamp']),
    uuid: h['epistula-uuid'],
    signedBy: h['epistula-signed-by'],
    signedFor: h['epistula-signed-for'],
    signature: h['epistula-request-signature'],
  }
}

/** The request is for us and within the clock window; throws EpistulaRefusal(400) with BitMind's wording. */
export function checkAddressAndClock(req: EpistulaRequest, self: string, nowMs: number, allowedDeltaMs = EPISTULA_ALLOWED_DELTA_MS): void {
  if (req.signedFor !== self) throw new EpistulaRefusal(400, `Bad Request, message is not intended for self (signed for ${req.signedFor}, this is ${self})`, 'signed_for')
  if (req.timestamp + allowedDeltaMs < nowMs) {
    throw new EpistulaRefusal(400, `Request is too stale: ${((nowMs - req.timestamp) / 1000).toFixed(1)}s old (limit: ${allowedDeltaMs / 1000}s)`, 'stale')
  }
  if (req.timestamp - allowedDeltaMs > nowMs) {
    throw new EpistulaRefusal(400, `Request timestamp is in the future: ${((req.timestamp - nowMs) / 1000).toFixed(1)}s ahead (limit: ${allowedDeltaMs / 1000}s)`, 'future')
  }
}

/** The signature covers exactly these body bytes; throws EpistulaRefusal(400). */
export function checkSignature(req: EpistulaRequest, body: Uint8Array): void {
  const message = epistulaMessage({bodyHash: sha256Hex(body), uuid: req.uuid, timestamp: req.timestamp, signedFor: req.signedFor})
  if (!verifyMessage(message, req.signature, req.signedBy)) throw new EpistulaRefusal(400, 'Signature Mismatch', 'bad_signature')
}

/**
 * Uuids seen from each signer while their timestamp is still inside the window (BitMind keeps none; a captured request
 * could be replayed for 15 s). Bounded: when full of live entries it refuses instead of forgetting, so eviction never
 * re-opens a replay.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>()
  private lastSweep = 0

  constructor(private readonly maxEntries = 100_000) {}

  /** Records the request; throws EpistulaRefusal(409) for a uuid already used, 503 when full. */
  admit(req: EpistulaRequest, nowMs: number, allowedDeltaMs = EPISTULA_ALLOWED_DELTA_MS): void {
    const key = `${req.signedBy}:${req.uuid}`
    const expiry = this.seen.get(key)
    if (expiry !== undefined && expiry >= nowMs) throw new EpistulaRefusal(409, `Replayed request: uuid ${req.uuid} from ${req.signedBy} was already processed`, 'replay')
    if (this.seen.size >= this.maxEntries || nowMs - this.lastSweep > 5_000) this.sweep(nowMs)
    if (this.seen.size >= this.maxEntries) throw new EpistulaRefusal(503, 'Service busy: replay cache is full, retry shortly', 'busy')
    this.seen.delete(key)
    this.seen.set(key, req.timestamp + allowedDeltaMs)
  }

  /** Drops entries whose timestamps the clock window refuses anyway. */
  sweep(nowMs: number): void {
    this.lastSweep = nowMs
    for (const [k, expiry] of this.seen) if (expiry < nowMs) this.seen.delete(k)
  }

  get size(): number {
    return this.seen.size
  }
}
