import {randomUUID} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import type {KeyringPair} from '@polkadot/keyring/types'
import type {Registry} from 'prom-client'

import {silentLogger, type Logger} from '../config/logger.js'
import {withTimeout} from './http-io.js'
import {AxonMetrics} from './metrics.js'
import {NonceTracker} from './nonce.js'
import {CallerBusyError, PriorityScheduler, QueueFullError, QueueTimeoutError} from './scheduler.js'
import {axonMessage, dendriteMessage, signingReady, signMessage, timeNs, verifyMessage} from './signing.js'
import {
  bodyHash, fromJsonBody, setTotalSize, parseHeaders, toHeaders, toJsonBody, type ParsedHeaders, type Synapse, type SynapseType,
} from './synapse.js'
import {PROTOCOL_VERSION_INT} from './version.js'

export interface BlacklistVerdict {
  blocked: boolean
  reason?: string
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnySynapse = Synapse<any>

export interface AxonOptions {
  hotkey: KeyringPair
  /** Port to listen on; 0 picks a free one. */
  port?: number
  /** Address to bind (default 0.0.0.0). */
  ip?: string
  externalIp?: string
  externalPort?: number
  /** Largest request body accepted (default 24 MiB). */
  maxBodyBytes?: number
  /** The whole body must arrive within this (default 10 s); a slower one is cut with 408 (slow-body attacks). */
  bodyTimeoutMs?: number
  /** Headers must arrive within this (default 10 s). */
  headersTimeoutMs?: number
  /** Open connections at most (default 1024); more are refused at accept. */
  maxConnections?: number
  blacklist?: (callerHotkey: string, synapse: AnySynapse) => BlacklistVerdict | Promise<BlacklistVerdict>
  priority?: (callerHotkey: string, synapse: AnySynapse) => number
  /** Forwards running at once (default 8), waiting requests (default 256), per caller in flight (default 16). */
  concurrency?: number
  maxQueue?: number
  perCallerConcurrency?: number
  registry?: Registry
  logger?: Logger
}

export type Forward<F extends Record<string, unknown>> = (synapse: Synapse<F>) => Promise<Synapse<F> | void>

interface Route {
  type: SynapseType<any>
  forward: Forward<any>
}

class AxonError extends Error {
  constructor(readonly status: number, message: string, readonly reason: string) {
    super(message)
  }
}

/**
 * The axon: an HTTP server answering `POST /{SynapseName}` as the Python SDK's axon does. Checks run cheapest and
 * least trusting first: body size, headers, signature, nonce, blacklist, then the priority queue and the forward.
 */
export class Axon {
  readonly uuid = randomUUID()
  readonly metrics: AxonMetrics
  private readonly routes = new Map<string, Route>()
  private readonly mounts = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>>()
  private readonly nonces = new NonceTracker()
  private readonly scheduler: PriorityScheduler
  private readonly server: http.Server
  private readonly log: Logger
  private readonly maxBody: number
  private readonly bodyTimeoutMs: number
  private inFlight = 0
  private boundPort: number | undefined
  private stopping = false

  constructor(private readonly opts: AxonOptions) {
    this.metrics = new AxonMetrics(opts.registry)
    this.scheduler = new PriorityScheduler({
      concurrency: opts.concurrency ?? 8,
      maxQueue: opts.maxQueue ?? 256,
      perCallerConcurrency: opts.perCallerConcurrency ?? 16,
    })
    this.log = opts.logger ?? silentLogger
    this.maxBody = opts.maxBodyBytes ?? 24 * 1024 * 1024
    // Node checks header/request deadlines only this often (default 30 s, far beyond the deadlines themselves)
    const checkMs = Math.max(100, Math.min(1000, (opts.headersTimeoutMs ?? 10_000) / 2))
    this.server = http.createServer({connectionsCheckingInterval: checkMs}, (req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 65_000
    this.bodyTimeoutMs = opts.bodyTimeoutMs ?? 10_000
    this.server.headersTimeout = opts.headersTimeoutMs ?? 10_000
    // Node's own whole-request cap (default 300 s) as a backstop behind the body deadline
    this.server.requestTimeout = Math.max(this.server.headersTimeout, this.bodyTimeoutMs) + 5_000
    this.server.maxConnections = opts.maxConnections ?? 1024
  }

  get hotkey(): string {
    return this.opts.hotkey.address
  }

  get port(): number {
    return this.boundPort ?? this.opts.port ?? 0
  }

  /** What to announce on chain with serve_axon. */
  get external(): {ip: string; port: number} {
    return {ip: this.opts.externalIp ?? this.opts.ip ?? '0.0.0.0', port: this.opts.externalPort ?? this.port}
  }

  attach<F extends Record<string, unknown>>(type: SynapseType<F>, forward: Forward<F>): this {
    this.routes.set(type.name, {type, forward})
    return this
  }

  /**
   * Hands `path` to another protocol's handler on the same port (Epistula's `/detect_image`); it answers on its own,
   * outside the synapse checks, but shares the axon's lifetime.
   */
  mount(path: string, handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): this {
    this.mounts.set(path.replace(/^\/+/, ''), handler)
    return this
  }

  async start(): Promise<this> {
    await signingReady()
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.opts.port ?? 8091, this.opts.ip ?? '0.0.0.0', () => {
        this.server.off('error', reject)
        this.boundPort = (this.server.address() as AddressInfo).port
        resolve()
      })
    })
    this.log.info('axon serving', {port: this.port, synapses: [...this.routes.keys()], hotkey: this.hotkey})
    return this
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle connections. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeIdleConnections()
    const deadline = Date.now() + graceMs
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    this.server.closeAllConnections()
    await closed
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint()
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '')
    if (req.method === 'GET' && (path === 'healthz' || path === 'health')) {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({status: 'ok', hotkey: this.hotkey}))
      return
    }
    const mounted = this.mounts.get(path)
    if (mounted) {
      this.inFlight++
      await mounted(req, res).finally(() => this.inFlight--)
      return
    }
    this.inFlight++
    const route = this.routes.get(path)
    const synapseName = route ? path : 'unknown'
    let status = 500
    try {
      if (this.stopping) throw new AxonError(503, 'Axon is shutting down', 'shutdown')
      if (req.method !== 'POST') throw new AxonError(405, `Method ${req.method} not allowed; POST /{SynapseName}`, 'method')
      if (!route) {
        throw new AxonError(404, `Synapse name '${path}' not found. Available synapses ${JSON.stringify([...this.routes.keys()])}`, 'unknown_synapse')
      }
      const body = await readBody(req, this.maxBody, this.bodyTimeoutMs)
      const answer = await this.process(route, req, body)
      status = 200
      this.respond(res, 200, answer.body, answer.headers)
    } catch (err) {
      const e = err instanceof AxonError ? err : new AxonError(500, `Internal Server Error #${(err as Error).message}`, 'internal')
      status = e.status
      if (e.status !== 500 && e.status !== 404 && e.status !== 405) this.metrics.verificationFailures.inc({reason: e.reason})
      // only our own faults warn: anything a caller can provoke at will (a bad body hash is one) stays at debug
      if (e.reason === 'internal') this.log.warn('axon request failed', {status: e.status, error: e.message})
      else this.log.debug('axon request refused', {status: e.status, reason: e.reason, error: e.message})
      const headers = errorHeaders(req, e, this)
      // a body we stopped reading must not be parsed as the next request on this connection
      if (e.reason === 'too_large' || e.reason === 'body_timeout') headers.connection = 'close'
      this.respond(res, e.status, JSON.stringify({message: e.message}), headers)
    } finally {
      this.inFlight--
      this.metrics.requests.inc({synapse: synapseName, status: String(status)})
      this.metrics.latency.observe({synapse: synapseName}, Number(process.hrtime.bigint() - started) / 1e9)
    }
  }

  private respond(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    if (res.headersSent) return
    const payload = Buffer.from(body)
    res.writeHead(status, {...headers, 'content-type': 'application/json', 'content-length': String(payload.length)})
    res.end(payload)
  }

  private async process(route: Route, req: http.IncomingMessage, body: Buffer): Promise<{body: string; headers: Record<string, string>}> {
    const started = Date.now()
    let env: ParsedHeaders
    try {
      env = parseHeaders(req.headers)
    } catch (err) {
      throw new AxonError(400, `Improperly formatted request. Could not parse headers: ${(err as Error).message}`, 'bad_headers')
    }
    const d = env.dendrite
    if (!d.hotkey || !d.signature || d.nonce === undefined || d.nonce === null || !d.uuid || env.computedBodyHash === undefined) {
      throw new AxonError(401, 'Not Verified with error: missing bt_header_dendrite_{hotkey,signature,nonce,uuid} or computed_body_hash', 'unsigned')
    }
    const timeoutS = env.timeout ?? 12
    const message = dendriteMessage({nonce: d.nonce, dendriteHotkey: d.hotkey, axonHotkey: this.hotkey, uuid: d.uuid, bodyHash: env.computedBodyHash})
    if (!verifyMessage(message, d.signature, d.hotkey)) {
      throw new AxonError(401, `Not Verified with error: Signature mismatch with ${message} and ${d.signature}`, 'bad_signature')
    }
    const nonceKey = `${d.hotkey}:${d.uuid}`
    const nonceProblem = this.nonces.check(nonceKey, d.nonce, d.version ?? undefined, timeoutS, timeNs())
    if (nonceProblem) throw new AxonError(401, `Not Verified with error: ${nonceProblem}`, 'nonce')
    this.nonces.record(nonceKey, d.nonce)

    let synapse: AnySynapse
    try {
      synapse = fromJsonBody(route.type, body.toString('utf8'))
    } catch (err) {
      throw new AxonError(400, `Improperly formatted request body: ${(err as Error).message.split('\n')[0]}`, 'bad_body')
    }
    // The signed hash must be the hash of what arrived (only `required_hash_fields` are covered).
    if (bodyHash(route.type, synapse) !== env.computedBodyHash) {
      throw new AxonError(500, `Hash mismatch between header body hash ${env.computedBodyHash} and parsed body hash ${bodyHash(route.type, synapse)}`, 'body_hash')
    }
    synapse.timeout = timeoutS
    synapse.dendrite = {...d, ip: req.socket.remoteAddress ?? d.ip, port: req.socket.remotePort ?? d.port}
    synapse.computed_body_hash = env.computedBodyHash

    const verdict = this.opts.blacklist ? await this.opts.blacklist(d.hotkey, synapse) : {blocked: false}
    if (verdict.blocked) {
      throw new AxonError(403, `Forbidden. Key is blacklisted: ${verdict.reason ?? 'blacklisted'}.`, 'blacklisted')
    }
    if (route.type.validate) {
      try {
        await route.type.validate(synapse)
      } catch (err) {
        throw new AxonError(400, `Invalid ${route.type.name}: ${(err as Error).message}`, 'invalid_synapse')
      }
    }

    const priority = this.opts.priority ? this.opts.priority(d.hotkey, synapse) : 0
    const timeoutMs = Math.max(1, timeoutS * 1000 - (Date.now() - started))
    let result: AnySynapse
    try {
      result = await this.scheduler.run(d.hotkey, priority, timeoutMs, () =>
        withTimeout(route.forward(synapse).then((r) => r ?? synapse), timeoutMs, () => new ForwardTimeout(`forward took longer than ${timeoutS}s`)))
    } catch (err) {
      if (err instanceof QueueFullError || err instanceof CallerBusyError) throw new AxonError(503, `Service busy: ${err.message}`, 'busy')
      if (err instanceof QueueTimeoutError || err instanceof ForwardTimeout) throw new AxonError(408, `Response timeout after: ${timeoutS}s`, 'timeout')
      throw err
    }

    const nonce = timeNs()
    result.axon = {
      ...result.axon,
      status_code: 200,
      status_message: 'Success',
      process_time: (Date.now() - started) / 1000,
      ip: this.external.ip,
      port: this.external.port,
      version: PROTOCOL_VERSION_INT,
      nonce,
      uuid: this.uuid,
      hotkey: this.hotkey,
      signature: signMessage(this.opts.hotkey, axonMessage({nonce, dendriteHotkey: d.hotkey, axonHotkey: this.hotkey, uuid: this.uuid})),
    }
    result.dendrite = synapse.dendrite
    result.computed_body_hash = bodyHash(route.type, result)
    setTotalSize(route.type, result)
    const json = toJsonBody(route.type, result)
    return {body: json, headers: toHeaders(route.type, result, result.total_size)}
  }
}

class ForwardTimeout extends Error {}

function readBody(req: http.IncomingMessage, max: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > max) {
    // answered without reading a byte of it; the connection closes after the answer
    return Promise.reject(new AxonError(413, `Payload Too Large: ${declared} bytes exceeds ${max}`, 'too_large'))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = (err: AxonError) => {
      clearTimeout(timer)
      req.removeListener('data', onData)
      req.pause()
      reject(err)
    }
    const timer = setTimeout(() => stop(new AxonError(408, `Request body not received within ${timeoutMs / 1000}s`, 'body_timeout')), timeoutMs)
    const onData = (c: Buffer) => {
      size += c.length
      if (size > max) return stop(new AxonError(413, `Payload Too Large: body exceeds ${max} bytes`, 'too_large'))
      chunks.push(c)
    }
    req.on('data', onData)
    req.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    req.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Error answers carry the synapse headers too, with the axon's status, as the Python axon's do. */
function errorHeaders(req: http.IncomingMessage, e: AxonError, axon: Axon): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && (k.startsWith('bt_header_dendrite_') || k === 'name' || k === 'timeout' || k === 'computed_body_hash')) headers[k] = v
  }
  headers.bt_header_axon_status_code = String(e.status)
  headers.bt_header_axon_status_message = e.message.replace(/[^\x20-\x7e]/g, '?')
  headers.bt_header_axon_hotkey = axon.hotkey
  headers.bt_header_axon_version = String(PROTOCOL_VERSION_INT)
  headers.bt_header_axon_uuid = axon.uuid
  return headers
}
