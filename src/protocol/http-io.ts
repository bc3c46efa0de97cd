import http from 'node:http'

/** Errors aiohttp reports as ClientConnectorError (no connection made); a reset mid-request is not one. */
export const CONNECT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'])

/** What a POST got back: the status, the body as text, the headers. */
export interface PostReply {
  status: number
  body: string
  headers: http.IncomingHttpHeaders
}

export interface PostOptions {
  agent: http.Agent
  headers: Record<string, string>
  timeoutS: number
  /** a longer answer is cut off with an error (a miner cannot make the caller buffer without bound) */
  maxResponse: number
}

/**
 * POST `body` and read the whole answer, as both clients of the wire protocol do (docs/ARCHITECTURE.md § Wire protocol).
 * Rejects with a `TimeoutError` when `timeoutS` passes, or the socket's error.
 */
export function postBytes(url: string, body: Uint8Array, opts: PostOptions): Promise<PostReply> {
  return new Promise<PostReply>((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: opts.agent,
      headers: {...opts.headers, 'content-length': String(body.length)},
      signal: AbortSignal.timeout(Math.max(1, Math.round(opts.timeoutS * 1000))),
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size > opts.maxResponse) {
          res.destroy(new Error(`response larger than ${opts.maxResponse} bytes`))
          return
        }
        chunks.push(c)
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers}))
      res.on('error', reject)
    })
    req.on('error', (err) => reject(err.name === 'AbortError' ? Object.assign(new Error('timeout'), {name: 'TimeoutError'}) : err))
    req.end(body)
  })
}

/** `p`, or a rejection with `timedOut()` once `ms` pass first; the timer is cleared either way. */
export function withTimeout<T>(p: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(timedOut()), ms)
    p.then((v) => {
      clearTimeout(t)
      resolve(v)
    }, (e) => {
      clearTimeout(t)
      reject(e)
    })
  })
}
