import path from 'node:path'
import type {AddressInfo} from 'node:net'

import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import Fastify, {type FastifyError, type FastifyInstance, type FastifyRequest} from 'fastify'

import {silentLogger, type Logger} from '../config/logger.js'
import {ASSETS_DIR} from '../config/paths.js'
import {HttpError, ProxyListenError} from './errors.js'
import {MAX_IMAGE_BYTES} from './image.js'
import {KeyChecker} from './keys.js'
import {ProxyMetrics} from './metrics.js'
import {openApiDocument} from './openapi.js'
import {detectJsonBody} from './schemas.js'
import {ProxyService, type ProxyServiceOptions} from './service.js'

/** The web page's files, shipped in the package (no CDN, nothing fetched from outside). */
export const WEB_DIR = path.join(ASSETS_DIR, 'proxy-web')

/** BitMind's validator proxy port. */
export const DEFAULT_PROXY_PORT = 10913

/** A JSON body carries the image as base64 (4/3 of its bytes) plus a few bytes of JSON. */
const JSON_BODY_LIMIT = Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 4096

export interface ProxyServerOptions extends Omit<ProxyServiceOptions, 'metrics' | 'logger'> {
  /** 0 picks a free port */
  port: number
  host?: string
  /** keys file (see `bitmind proxy keys`); without one, or while it has no keys, no key is needed */
  keysFile?: string
  /** requests per minute per API key, or per IP without one (default 60) */
  rateLimit?: number
  /** seconds a client gets to send its whole request (default 30) */
  requestTimeoutS?: number
  version?: string
  logger?: Logger
}

export interface ProxyServer {
  url: string
  port: number
  service: ProxyService
  metrics: ProxyMetrics
  app: FastifyInstance
  close(): Promise<void>
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string
  }
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.trim()
}

/** Fastify's and the plugins' errors, in the API's words. */
function describeError(err: FastifyError): {status: number; message: string} {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return {status: 413, message: `request is too large: send one image of at most ${MAX_IMAGE_BYTES} bytes`}
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {status: 415, message: 'send the image as multipart/form-data (field "image") or as JSON {"image": "<base64>"}'}
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {status: 400, message: `body is not valid JSON: ${oneLine(err.message)}`}
    default: {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
      return {status, message: oneLine(err.message)}
    }
  }
}

/**
 * The validator proxy (docs/ARCHITECTURE.md § Proxy): `POST /v1/detect`, `GET /v1/miners`, `/healthz`, `/metrics`, `/openapi.json`
 * and the web page at `/`, on the validator's hotkey.
 */
export async function startProxy(opts: ProxyServerOptions): Promise<ProxyServer> {
  const log = opts.logger ?? silentLogger
  const metrics = new ProxyMetrics()
  const service = new ProxyService({...opts, metrics, logger: log})
  const keys = new KeyChecker(opts.keysFile)
  const perMinute = opts.rateLimit ?? 60
  const app = Fastify({
    logger: false,
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: (opts.requestTimeoutS ?? 30) * 1000,
    connectionTimeout: ((opts.requestTimeoutS ?? 30) + (opts.timeoutS ?? 10) + 10) * 1000,
    forceCloseConnections: true,
  })

  // only multipart and JSON carry an image; anything else is a 415
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    const {status, message} = err instanceof HttpError ? {status: err.statusCode, message: err.message} : describeError(err)
    if (status >= 500 && !(err instanceof HttpError)) log.error('proxy request failed', {route: req.url, error: err.message})
    void reply.status(status).send({error: oneLine(message), status, ...(err instanceof HttpError ? err.extra : {})})
  })
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({error: `no route ${req.method} ${req.url.split('?')[0]}: see /openapi.json`, status: 404})
  })
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
    return payload
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    metrics.requests.inc({route, status: String(reply.statusCode)})
    metrics.latency.observe({route}, reply.elapsedTime / 1000)
  })
  // the API key, before the rate limit (which counts per key) and before any body is read
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/v1/')) return
    if (!(await keys.required())) return
    const header = req.headers.authorization ?? ''
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw new HttpError(401, 'missing API key: send "Authorization: Bearer <key>" (an operator makes one with `bitmind proxy keys add`)')
    const id = await keys.verify(m[1]!)
    if (!id) throw new HttpError(401, 'unknown or revoked API key: ask the operator for a current one')
    req.apiKeyId = id
  })

  await app.register(multipart, {limits: {fileSize: MAX_IMAGE_BYTES, files: 1, parts: 8, fields: 4, fieldSize: 64 * 1024}, throwFileSizeLimit: true})
  // global, so all of /v1 shares one counter per key or IP (a route's own config would get a store of its own)
  await app.register(rateLimit, {
    global: true,
    allowList: (req) => !req.url.startsWith('/v1/'),
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => (req.apiKeyId ? `key:${req.apiKeyId}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => new HttpError(429, `rate limit of ${ctx.max} requests per minute reached: retry in ${ctx.after}`),
  })
  await app.register(fastifyStatic, {root: WEB_DIR, prefix: '/', index: 'index.html', wildcard: false, cacheControl: true, maxAge: 0})

  app.post('/v1/detect', async (req) => {
    if (req.isMultipart()) {
      let bytes: Buffer | undefined
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname === 'image' && !bytes) bytes = await part.toBuffer()
          else part.file.resume()
        }
      }
      if (!bytes) throw new HttpError(400, 'no file in the "image" field of the multipart body')
      return service.detect(bytes)
    }
    const body = detectJsonBody.safeParse(req.body)
    if (!body.success) throw new HttpError(400, 'JSON body must be {"image": "<base64 of a JPEG, PNG or WebP file>"}')
    return service.detect({base64: body.data.image.replace(/^data:[\w/+.-]*;base64,/, '').replace(/\s+/g, '')})
  })
  app.get('/v1/miners', async () => service.miners())
  app.get('/healthz', async () => ({status: 'ok' as const, netuid: service.netuid, hotkey: service.hotkey, auth: await keys.required(), block: service.block}))
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
  app.get('/openapi.json', async () => openApiDocument({version: opts.version ?? '0', auth: await keys.required()}))

  // read the metagraph once up front: a proxy that cannot see its subnet should say so at start, not on the first image
  await service.metagraph()
  try {
    await app.listen({port: opts.port, host: opts.host ?? '127.0.0.1'})
  } catch (err) {
    service.close()
    throw new ProxyListenError(opts.host ?? '127.0.0.1', opts.port, (err as Error).message)
  }
  const port = (app.server.address() as AddressInfo).port
  const host = opts.host ?? '127.0.0.1'
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}/`,
    port,
    service,
    metrics,
    app,
    async close() {
      await app.close()
      service.close()
    },
  }
}
