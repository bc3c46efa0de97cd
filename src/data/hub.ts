import got, {type OptionsOfTextResponseBody} from 'got'
import {z} from 'zod'

import {HubError, HubUnresolvedError} from './errors.js'

/** Where the hub lives unless told otherwise (the endpoint option, `HF_ENDPOINT`). */
export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co'

export {HubError} from './errors.js'

export interface HubOptions {
  endpoint?: string
  token?: string
  /** attempts after the first for 5xx, 429 and network errors */
  retries?: number
  /** first backoff delay; doubles each retry (capped at 30 s) */
  retryBaseMs?: number
  log?: (msg: string) => void
}

export interface RemoteFile {
  /** path inside the repository */
  path: string
  url: string
  size?: number
  /** sha256 of the content (LFS files: the tree's `lfs.oid`) */
  sha256?: string
  /** git blob sha1 (non-LFS files: the tree's `oid`) */
  gitSha1?: string
}

const TreeEntry = z.object({
  type: z.string(),
  path: z.string(),
  oid: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  lfs: z.object({oid: z.string(), size: z.number().int().nonnegative()}).partial().optional().nullable(),
})
const TreePage = z.array(TreeEntry)

export function authHeaders(token?: string): Record<string, string> {
  return token ? {authorization: `Bearer ${token}`} : {}
}

export function trimEndpoint(endpoint?: string): string {
  return (endpoint ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '')
}

/** Encode each path segment, keep the slashes (the hub routes take the path raw). */
export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/')
}

export function resolveUrl(endpoint: string, repoId: string, revision: string, filePath: string): string {
  return `${trimEndpoint(endpoint)}/datasets/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(filePath)}`
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408
}

export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(30_000, baseMs * 2 ** attempt) * (0.75 + Math.random() * 0.5)
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** A message for a hub refusal that says what to do about it. */
export function describeStatus(what: string, status: number, errorCode?: string, endpoint?: string): string {
  const code = errorCode ? ` ${errorCode}` : ''
  if (status === 404) return `${what} not found on ${trimEndpoint(endpoint)} (HTTP 404${code}): check the id; private or gated sets need HF_TOKEN`
  if (status === 401 || status === 403)
    return `${what}: access denied (HTTP ${status}${code}): the set is gated or private; accept its terms on the hub and set HF_TOKEN`
  return `${what}: the hub answered HTTP ${status}${code}`
}

/** Run `fn` with retries on retryable errors (HubError.retryable, network errors). */
export async function withRetries<T>(what: string, opts: HubOptions, fn: (attempt: number) => Promise<T>): Promise<T> {
  const retries = opts.retries ?? 5
  const base = opts.retryBaseMs ?? 1000
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (isDnsError(error)) throw dnsFailure(error as Error, opts.endpoint)
      const retryable = error instanceof HubError ? error.retryable : isNetworkError(error)
      if (!retryable || attempt >= retries) throw error
      const wait = backoffMs(attempt, base)
      opts.log?.(`${what}: ${(error as Error).message}; retry ${attempt + 1}/${retries} in ${(wait / 1000).toFixed(1)} s`)
      await sleep(wait)
    }
  }
}

/** A host name that does not resolve: no network, no DNS, or a wrong endpoint. Not transient: never retried. */
export function isDnsError(error: unknown): boolean {
  const code = (error as {code?: unknown} | undefined)?.code
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME'
}

function dnsFailure(error: Error, endpoint?: string): HubUnresolvedError {
  const code = (error as {code?: string}).code
  const host = (error as {hostname?: string}).hostname ?? /getaddrinfo \S+ (\S+)/.exec(error.message)?.[1] ?? new URL(trimEndpoint(endpoint)).host
  return new HubUnresolvedError(host, code)
}

export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as {code?: string}).code
  return (
    error.name === 'ReadError' ||
    error.name === 'TimeoutError' ||
    error.name === 'RequestError' ||
    (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ERR_STREAM_PREMATURE_CLOSE|ECONNABORTED|EHOSTUNREACH|ENETUNREACH)$/.test(code))
  )
}

function nextLink(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header.join(',') : header
  if (!h) return undefined
  for (const part of h.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)
    if (m) return m[1]
  }
  return undefined
}

async function getJson(url: string, what: string, opts: HubOptions): Promise<{body: unknown; link?: string}> {
  return withRetries(what, opts, async () => {
    const req: OptionsOfTextResponseBody = {
      headers: {...authHeaders(opts.token), accept: 'application/json'},
      throwHttpErrors: false,
      retry: {limit: 0},
      timeout: {request: 60_000},
    }
    const res = await got(url, req)
    if (res.statusCode !== 200) {
      const code = res.headers['x-error-code']
      throw new HubError(describeStatus(what, res.statusCode, typeof code === 'string' ? code : undefined, opts.endpoint), res.statusCode, isRetryableStatus(res.statusCode))
    }
    let body: unknown
    try {
      body = JSON.parse(res.body)
    } catch {
      throw new HubError(`${what}: the hub answered with a body that is not JSON`, res.statusCode, true)
    }
    return {body, link: nextLink(res.headers.link)}
  })
}

/**
 * Every file of a dataset repository at a revision, through `GET /api/datasets/{id}/tree/{revision}?recursive=true`
 * (paged with `Link: <…>; rel="next"`, as huggingface_hub's `list_repo_tree` reads it).
 */
export async function listRepoFiles(repoId: string, revision: string, opts: HubOptions = {}): Promise<RemoteFile[]> {
  const endpoint = trimEndpoint(opts.endpoint)
  let url: string | undefined = `${endpoint}/api/datasets/${repoId}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`
  const out: RemoteFile[] = []
  for (let page = 0; url && page < 10_000; page++) {
    const {body, link} = await getJson(url, `dataset ${repoId}`, opts)
    const parsed = TreePage.safeParse(body)
    if (!parsed.success) throw new HubError(`dataset ${repoId}: unexpected tree listing from ${endpoint} (${parsed.error.issues[0]?.message})`)
    for (const e of parsed.data) {
      if (e.type !== 'file') continue
      const lfsOid = e.lfs?.oid
      out.push({
        path: e.path,
        url: resolveUrl(endpoint, repoId, revision, e.path),
        size: e.lfs?.size ?? e.size,
        sha256: lfsOid && /^[0-9a-f]{64}$/.test(lfsOid) ? lfsOid : undefined,
        gitSha1: !e.lfs && e.oid && /^[0-9a-f]{40}$/.test(e.oid) ? e.oid : undefined,
      })
    }
    url = link ? new URL(link, endpoint).toString() : undefined
  }
  return out
}

/** Parquet files the hub's converter made (`refs/convert/parquet`), for sets that do not store parquet themselves. */
export async function listConvertedParquet(repoId: string, split: string, opts: HubOptions = {}): Promise<RemoteFile[]> {
  const endpoint = trimEndpoint(opts.endpoint)
  const {body} = await getJson(`${endpoint}/api/datasets/${repoId}/parquet`, `dataset ${repoId}`, opts)
  const parsed = z.record(z.string(), z.record(z.string(), z.array(z.string()))).safeParse(body)
  if (!parsed.success) throw new HubError(`dataset ${repoId}: unexpected parquet listing from ${endpoint}`)
  const out: RemoteFile[] = []
  for (const [config, splits] of Object.entries(parsed.data)) {
    for (const url of splits[split] ?? []) {
      const name = url.split('/').pop() ?? 'part.parquet'
      out.push({path: `parquet/${config}/${split}/${name}`, url})
    }
  }
  return out
}

/** Does this repository path hold parquet rows of `split`? (`data/train-00000-of-00004.parquet`, `default/train/0000.parquet`, …) */
export function isSplitParquet(p: string, split: string): boolean {
  if (!p.endsWith('.parquet')) return false
  const esc = split.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|/)${esc}([-_./]|$)`).test(p)
}
