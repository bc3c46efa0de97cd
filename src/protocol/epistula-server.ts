import http from 'node:http'
import type {AddressInfo} from 'node:net'

import type {KeyringPair} from '@polkadot/keyring/types'

import {silentLogger, type Logger} from '../config/logger.js'
import type {BlacklistVerdict} from './axon.js'
import {withTimeout} from './http-io.js'
import type {AxonMetrics} from './metrics.js'
import {
  EPISTULA_ALLOWED_DELTA_MS, EpistulaRefusal, ReplayCache, checkAddressAndClock, checkSignature, parseEpistulaHeaders,
} from './epistula.js'
import {CallerBusyError, PriorityScheduler, QueueFullError, QueueTimeoutError} from './scheduler.js'
import {signingReady} from './signing.js'

/** A route's answer to a verified request: a JSON value (status 200) or an EpistulaRefusal thrown for a bad body. */
export type EpistulaHandler = (body: Buffer, caller: string) => Promise<unknown>

export interface EpistulaEndpointOptions {
  hotkey: KeyringPair
  /** the same policy as the axon's; a blocked caller is answered 401 as BitMind's miner does */
  blacklist?: (callerHotkey: string) => BlacklistVerdict | Promise<BlacklistVerdict>
  priority?: (callerHotkey: string) => number
  allowedDeltaMs?: number
  /** largest body (default 24 MiB, the axon's) */
  maxBodyBytes?: number
  /** answer deadline, there being no timeout header in Epistula (default 12 s) */
  timeoutS?: number
  concurrency?: number
  maxQueue?: number
  perCallerConcurrency?: number
  /** clock in ms (tests replay fixtures at their own time) */
  now?: () => number
  /** count requests in the axon's metrics (`synapse` label = the route, refusal reasons as the axon's) */
  metrics?: AxonMetrics
  logger?: Logger
}

/**
 * Serves `POST /{route}` for Epistula v2 callers. Checks run cheapest first, as in BitMind's `verify_request` plus a
 * replay cache: version and headers (400), signed for us (400), clock window (400), blacklist (401), body size (413),
 * signature over the body (400), replay (409), then the handler behind the axon's priority scheduler.
 * Mount it on an axon (`axon.mount`) or give it its own port with `listen`.
 */
export class EpistulaEndpoint {
  private readonly routes = new Map<string, EpistulaHandler>()
  private readonly replays = new ReplayCache()
  private readonly scheduler: PriorityScheduler
  private readonly log: Logger
  private server: http.Server | undefined
  private boundPort: number | undefined
  private inFlight = 0
  private stopping = false

  constructor(private readonly opts: EpistulaEndpointOptions) {
    this.scheduler = new PriorityScheduler({
      concurrency: opts.concurrency ?? 8,
      maxQueue: opts.maxQueue ?? 256,
      perCallerConcurrency: opts.perCallerConcurrency ?? 16,
    })
    this.log = opts.logger ?? silentLogger
  }

  get hotkey(): string {
    return this.opts.hotkey.address
  }

  get paths(): string[] {
    return [...this.routes.keys()]
  }

  /** The port of `listen` (undefined when mounted on an axon). */
  get port(): number | undefined {
    return this.boundPort
  }

  route(path: string, handler: EpistulaHandler): this {
    this.routes.set(path.replace(/^\/+/, ''), handler)
    return this
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '')
    const label = this.routes.has(path) ? path : 'unknown'
    let status = 500
    this.inFlight++
    try {
      if (this.stopping) throw new EpistulaRefusal(503, 'Shutting down', 'shutdown')
      const handler = this.routes.get(path)
      if (!handler) throw new EpistulaRefusal(404, `No Epistula route /${path}; routes: ${this.paths.map((p) => `/${p}`).join(', ')}`, 'unknown_route')
      if (req.method !== 'POST') throw new EpistulaRefusal(405, `Method ${req.method} not allowed; POST /${path}`, 'method')
      const answer = await this.process(req, handler)
      status = 200
      send(res, 200, answer)
    } catch (err) {
      const e = err instanceof EpistulaRefusal ? err : new EpistulaRefusal(500, `Internal Server Error: ${(err as Error).message}`, 'internal')
      status = e.status
      if (e.status !== 500 && e.status !== 404 && e.status !== 405) this.opts.metrics?.verificationFailures.inc({reason: `epistula_${e.reason}`})
      if (e.status >= 500) this.log.warn('epistula request failed', {status: e.status, error: e.message})
      else this.log.debug('epistula request refused', {status: e.status, reason: e.reason, error: e.message})
      if (!req.complete) req.resume()
      send(res, e.status, {detail: e.message})
    } finally {
      this.inFlight--
      this.opts.metrics?.requests.inc({synapse: label, status: String(status)})
      this.opts.metrics?.latency.observe({synapse: label}, Number(process.hrtime.bigint() - started) / 1e9)
    }
  }

  private async process(req: http.IncomingMessage, handler: EpistulaHandler): Promise<unknown> {
    const now = this.opts.now ?? Date.now
    const delta = this.opts.allowedDeltaMs ?? EPISTULA_ALLOWED_DELTA_MS
    const request = parseEpistulaHeaders(req.headers)
    checkAddressAndClock(request, this.hotkey, now(), delta)
    const verdict = this.opts.blacklist ? await this.opts.blacklist(request.signedBy) : {blocked: false}
    if (verdict.blocked) throw new EpistulaRefusal(401, `Forbidden: ${verdict.reason ?? 'blacklisted'}`, 'blacklisted')
    const body = await readBody(req, this.opts.maxBodyBytes ?? 24 * 1024 * 1024)
    checkSignature(request, body)
    this.replays.admit(request, now(), delta)
    const timeoutS = this.opts.timeoutS ?? 12
    const priority = this.opts.priority ? this.opts.priority(request.signedBy) : 0
    try {
      return await this.scheduler.run(request.signedBy, priority, timeoutS * 1000, () =>
        withTimeout(handler(body, request.signedBy), timeoutS * 1000, () => new EpistulaRefusal(408, `Response timeout after: ${timeoutS}s`, 'timeout')))
    } catch (err) {
      if (err instanceof QueueFullError || err instanceof CallerBusyError) throw new EpistulaRefusal(503, `Service busy: ${err.message}`, 'busy')
      if (err instanceof QueueTimeoutError) throw new EpistulaRefusal(408, `Response timeout after: ${timeoutS}s`, 'timeout')
      throw err
    }
  }

  /** Its own HTTP server on `port` (0 picks a free port). */
  async listen(port: number, ip = '0.0.0.0'): Promise<this> {
    await signingReady()
    const server = http.createServer((req, res) => void this.handle(req, res))
    server.keepAliveTimeout = 65_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, ip, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.boundPort = (server.address() as AddressInfo).port
    this.log.info('epistula serving', {port: this.boundPort, routes: this.paths, hotkey: this.hotkey})
    return this
  }

  /** Refuses new requests, waits for in-flight ones (up to `graceMs`), closes its own server if it has one. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    const server = this.server
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
    server?.closeIdleConnections()
    const deadline = Date.now() + graceMs
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    server?.closeAllConnections()
    await closed
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  const payload = Buffer.from(JSON.stringify(body))
  res.writeHead(status, {'content-type': 'application/json', 'content-length': String(payload.length)})
  res.end(payload)
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > max) return Promise.reject(new EpistulaRefusal(413, `Payload Too Large: ${declared} bytes exceeds ${max}`, 'too_large'))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        reject(new EpistulaRefusal(413, `Payload Too Large: body exceeds ${max} bytes`, 'too_large'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
