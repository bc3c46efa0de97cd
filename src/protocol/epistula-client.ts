import http from 'node:http'

import type {KeyringPair} from '@polkadot/keyring/types'
import pLimit from 'p-limit'
import {z} from 'zod'

import type {AxonTarget} from './dendrite.js'
import {epistulaHeaders} from './epistula.js'
import {CONNECT_ERRORS, postBytes, type PostReply} from './http-io.js'
import {signingReady} from './signing.js'

/** A miner's `/detect_image` answer (bitmind-subnet v3.x): `{"status": "success", "prediction": [p_real, p_synthetic(, p_semisynthetic)]}`. */
export const detectAnswer = z.object({
  status: z.literal('success').optional(),
  prediction: z.array(z.number().finite()).min(2).max(3),
})

export interface EpistulaResult {
  target: AxonTarget
  /** 200 ok; 503 unreachable, 408 timeout, 422 unreadable answer, else the miner's status */
  statusCode: number
  statusMessage: string
  processTime: number
  /** the class probabilities when statusCode is 200 */
  prediction?: number[]
}

export interface EpistulaClientOptions {
  keypair: KeyringPair
  /** concurrent requests across all miners (default 64) */
  concurrency?: number
  maxResponseBytes?: number
}

/** Sends signed Epistula v2 requests as BitMind's validators do (`query_miner`); never throws for a bad peer. */
export class EpistulaClient {
  private readonly agent = new http.Agent({keepAlive: true, maxSockets: 256})
  private readonly limit: ReturnType<typeof pLimit>
  private readonly maxResponse: number

  constructor(private readonly opts: EpistulaClientOptions) {
    this.limit = pLimit(opts.concurrency ?? 64)
    this.maxResponse = opts.maxResponseBytes ?? 1024 * 1024
  }

  get hotkey(): string {
    return this.opts.keypair.address
  }

  /** The headers and URL of a request (exposed for wire tests). */
  prepare(target: AxonTarget, route: string, body: Uint8Array, contentType = 'image/jpeg') {
    const host = target.ip.includes(':') ? `[${target.ip}]` : target.ip
    const headers = {...epistulaHeaders(this.opts.keypair, body, target.hotkey), 'Content-Type': contentType, 'X-Media-Type': 'image'}
    return {url: `http://${host}:${target.port}/${route.replace(/^\/+/, '')}`, headers}
  }

  async detectImages(targets: readonly AxonTarget[], image: Uint8Array, timeoutS = 12): Promise<EpistulaResult[]> {
    await signingReady()
    return Promise.all(targets.map((t) => this.limit(() => this.detectImage(t, image, timeoutS))))
  }

  async detectImage(target: AxonTarget, image: Uint8Array, timeoutS = 12): Promise<EpistulaResult> {
    const started = performance.now()
    const done = (statusCode: number, statusMessage: string, prediction?: number[]): EpistulaResult =>
      ({target, statusCode, statusMessage, processTime: (performance.now() - started) / 1000, prediction})
    const {url, headers} = this.prepare(target, 'detect_image', image)
    let reply: PostReply
    try {
      reply = await postBytes(url, image, {agent: this.agent, headers, timeoutS, maxResponse: this.maxResponse})
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.name === 'TimeoutError') return done(408, `Request timed out after ${timeoutS}s`)
      if (CONNECT_ERRORS.has(e.code ?? '')) return done(503, `Connection error: ${url}: ${e.message}`)
      return done(422, `Network error: ${e.message}`)
    }
    let json: unknown
    try {
      json = JSON.parse(reply.body)
    } catch {
      return done(reply.status === 200 ? 422 : reply.status, reply.status === 200 ? 'Failed to decode JSON response' : `HTTP ${reply.status} error`)
    }
    if (reply.status !== 200) {
      const detail = (json as {detail?: unknown} | null)?.detail
      return done(reply.status, typeof detail === 'string' ? detail : `HTTP ${reply.status} error`)
    }
    const answer = detectAnswer.safeParse(json)
    if (!answer.success) {
      const message = (json as {message?: unknown} | null)?.message
      return done(422, typeof message === 'string' ? `Miner error: ${message}` : `Invalid prediction in response: ${answer.error.issues[0]?.message ?? 'unreadable'}`)
    }
    return done(200, 'Success', answer.data.prediction)
  }

  close(): void {
    this.agent.destroy()
  }
}

/** p(synthetic) from the class probabilities: semisynthetic counts as synthetic (HEAD `docs/Discriminative-Mining.md`). */
export function syntheticProbability(prediction: readonly number[]): number | undefined {
  if (prediction.length < 2 || prediction.some((p) => !Number.isFinite(p) || p < 0)) return undefined
  const total = prediction.reduce((s, p) => s + p, 0)
  if (!(total > 0)) return undefined
  return prediction.slice(1).reduce((s, p) => s + p, 0) / total
}
