import {createHash} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

/** A file the fake hub serves. `sha256` is what the tree lists (defaults to the real digest). */
export interface FakeFile {
  path: string
  data: Buffer
  sha256?: string
}

export interface FakeRepo {
  files: FakeFile[]
  /** entries per tree page (paged with a Link header) */
  pageSize?: number
}

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1: the tree API (`/api/datasets/{id}/tree/{rev}`, paged with
 * Link), `/datasets/{id}/resolve/{rev}/{path}` redirecting to a CDN route with `X-Linked-Etag`, and the CDN
 * honouring `Range`. Faults are injected per route.
 */
export class FakeHub {
  readonly repos = new Map<string, FakeRepo>()
  readonly log: Array<{method: string; url: string; range?: string; auth?: string}> = []
  /** answer `treeFailureStatus` (500 unless set) this many times for tree listings */
  treeFailures = 0
  treeFailureStatus = 500
  /** repositories whose listing answers 403 GatedRepo, as the hub does for a gated set without access */
  gated = new Set<string>()
  /** answer 500 this many times on the CDN */
  cdnFailures = 0
  /** for these paths, send only this many bytes of the next response, then drop the connection */
  cutAfter = new Map<string, number>()
  private server?: http.Server
  url = ''

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r())
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url!, this.url)
    this.log.push({method: req.method!, url: u.pathname + u.search, range: req.headers.range, auth: req.headers.authorization})
    let m = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(u.pathname)
    if (m) return this.tree(decodeURIComponent(m[1]!), Number(u.searchParams.get('cursor') ?? 0), res)
    m = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname)
    if (m) {
      const f = this.repos.get(m[1]!)?.files.find((x) => x.path === decodeURIComponent(m![3]!))
      if (!f) return this.notFound(res, 'EntryNotFound')
      res.writeHead(302, {location: `/cdn/${m[1]}/${m[3]}`, 'x-linked-etag': `"${sha256(f.data)}"`, 'x-linked-size': String(f.data.length)})
      return void res.end()
    }
    m = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(u.pathname)
    if (m) {
      const f = this.repos.get(m[1]!)?.files.find((x) => x.path === decodeURIComponent(m![2]!))
      if (!f) return this.notFound(res, 'EntryNotFound')
      return this.cdn(f, req, res)
    }
    this.notFound(res, 'RepoNotFound')
  }

  private notFound(res: http.ServerResponse, code: string): void {
    res.writeHead(404, {'content-type': 'application/json', 'x-error-code': code})
    res.end(JSON.stringify({error: code}))
  }

  private tree(id: string, cursor: number, res: http.ServerResponse): void {
    const repo = this.repos.get(id)
    if (!repo) return this.notFound(res, 'RepoNotFound')
    if (this.gated.has(id)) {
      res.writeHead(403, {'content-type': 'application/json', 'x-error-code': 'GatedRepo'})
      return void res.end('{"error":"gated"}')
    }
    if (this.treeFailures > 0) {
      this.treeFailures--
      res.writeHead(this.treeFailureStatus, {'content-type': 'application/json'})
      return void res.end('{"error":"internal"}')
    }
    const size = repo.pageSize ?? 1000
    const entries = [{type: 'directory', oid: 'd'.repeat(40), size: 0, path: 'data'}, ...repo.files.map((f) => ({
      type: 'file',
      oid: createHash('sha1').update(`blob ${f.data.length}\0`).update(f.data).digest('hex'),
      size: f.data.length,
      path: f.path,
      lfs: {oid: f.sha256 ?? sha256(f.data), size: f.data.length, pointerSize: 134},
    }))]
    const page = entries.slice(cursor, cursor + size)
    const headers: Record<string, string> = {'content-type': 'application/json'}
    if (cursor + size < entries.length) headers.link = `<${this.url}/api/datasets/${id}/tree/main?recursive=true&cursor=${cursor + size}>; rel="next"`
    res.writeHead(200, headers)
    res.end(JSON.stringify(page))
  }

  private cdn(f: FakeFile, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.cdnFailures > 0) {
      this.cdnFailures--
      res.writeHead(500)
      return void res.end('oops')
    }
    let start = 0
    const r = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    if (r) start = Number(r[1])
    if (start >= f.data.length) {
      res.writeHead(416, {'content-range': `bytes */${f.data.length}`})
      return void res.end()
    }
    const body = f.data.subarray(start)
    const headers: Record<string, string> = {'content-length': String(body.length), 'accept-ranges': 'bytes', etag: `"${sha256(f.data)}"`}
    if (r) headers['content-range'] = `bytes ${start}-${f.data.length - 1}/${f.data.length}`
    res.writeHead(r ? 206 : 200, headers)
    const cut = this.cutAfter.get(f.path)
    if (cut !== undefined) {
      this.cutAfter.delete(f.path)
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20))
      return
    }
    res.end(body)
  }
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}
