import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, rename, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import got from 'got'
import {asyncBufferFromFile, parquetMetadataAsync} from 'hyparquet'

import {
  authHeaders,
  describeStatus,
  HubError,
  isRetryableStatus,
  isSplitParquet,
  listConvertedParquet,
  listRepoFiles,
  trimEndpoint,
  withRetries,
  type HubOptions,
  type RemoteFile,
} from './hub.js'
import {ByteLimitTooSmallError} from './errors.js'
import type {DatasetSpec} from './registry.js'

export class ChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    algo: string,
  ) {
    super(`${file}: ${algo} mismatch (expected ${expected}, got ${actual}); the download was discarded`)
    this.name = 'ChecksumError'
  }
}

export interface FileProgress {
  file: string
  /** bytes on disk for this file (resumed bytes included) */
  done: number
  total?: number
}

export interface DownloadFileOptions extends HubOptions {
  onProgress?: (p: FileProgress) => void
  /** label used in messages and progress (defaults to the destination path) */
  label?: string
}

export interface DownloadFileResult {
  path: string
  bytes: number
  /** bytes fetched this run (less than `bytes` when resumed or already present) */
  fetched: number
  verified: 'sha256' | 'git-sha1' | 'size' | 'none'
  resumedFrom: number
  alreadyPresent: boolean
}

async function fileSize(p: string): Promise<number | undefined> {
  try {
    return (await stat(p)).size
  } catch {
    return undefined
  }
}

async function hashFile(p: string, algo: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const h = createHash(algo)
  if (prefix) h.update(prefix)
  await pipeline(createReadStream(p), h)
  return h.digest('hex')
}

/** Check a finished `.part` against what the hub promised; throws ChecksumError (after deleting it) on a mismatch. */
async function verify(part: string, remote: RemoteFile, linkedEtag: string | undefined, label: string): Promise<DownloadFileResult['verified']> {
  const size = (await stat(part)).size
  const sha256 = remote.sha256 ?? (linkedEtag && /^[0-9a-f]{64}$/.test(linkedEtag) ? linkedEtag : undefined)
  if (sha256) {
    const got256 = await hashFile(part, 'sha256')
    if (got256 !== sha256) {
      await rm(part, {force: true})
      throw new ChecksumError(label, sha256, got256, 'sha256')
    }
    return 'sha256'
  }
  if (remote.gitSha1) {
    const got1 = await hashFile(part, 'sha1', `blob ${size}\0`)
    if (got1 !== remote.gitSha1) {
      await rm(part, {force: true})
      throw new ChecksumError(label, remote.gitSha1, got1, 'git blob sha1')
    }
    return 'git-sha1'
  }
  return remote.size === undefined ? 'none' : 'size'
}

function normaliseEtag(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  return s?.replace(/^W\//, '').replace(/^"|"$/g, '')
}

/**
 * Download one hub file to `dest`. Bytes go to `dest + '.part'` (resumed with `Range` after a cut or a Ctrl-C)
 * and the file is renamed into place only once complete and verified, so a present `dest` is always whole.
 */
export async function downloadFile(remote: RemoteFile, dest: string, opts: DownloadFileOptions = {}): Promise<DownloadFileResult> {
  const label = opts.label ?? dest
  const existing = await fileSize(dest)
  if (existing !== undefined && (remote.size === undefined || existing === remote.size)) {
    opts.onProgress?.({file: label, done: existing, total: existing})
    return {path: dest, bytes: existing, fetched: 0, verified: 'size', resumedFrom: existing, alreadyPresent: true}
  }
  await mkdir(path.dirname(dest), {recursive: true})
  const part = `${dest}.part`
  const resumedFrom = (await fileSize(part)) ?? 0
  let fetched = 0
  let linkedEtag: string | undefined

  const fetchPart = () => withRetries(`download ${label}`, opts, async () => {
    let offset = (await fileSize(part)) ?? 0
    if (remote.size !== undefined && offset > remote.size) {
      await rm(part, {force: true})
      offset = 0
    }
    if (remote.size !== undefined && offset === remote.size) return
    const headers: Record<string, string> = {...authHeaders(opts.token), 'accept-encoding': 'identity'}
    if (offset > 0) headers.range = `bytes=${offset}-`
    const stream = got.stream(remote.url, {headers, throwHttpErrors: false, retry: {limit: 0}, timeout: {connect: 30_000, socket: 60_000}})
    stream.on('redirect', (_opts: unknown, res: {headers: Record<string, string | string[] | undefined>}) => {
      linkedEtag = normaliseEtag(res.headers['x-linked-etag']) ?? linkedEtag
    })
    const res = await new Promise<{statusCode: number; headers: Record<string, string | string[] | undefined>}>((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
    })
    linkedEtag = normaliseEtag(res.headers['x-linked-etag']) ?? linkedEtag
    if (res.statusCode === 416 && offset > 0) {
      // the server has nothing past our offset: the part is already whole (verify decides)
      stream.destroy()
      return
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      stream.destroy()
      const code = res.headers['x-error-code']
      throw new HubError(describeStatus(label, res.statusCode, typeof code === 'string' ? code : undefined, opts.endpoint), res.statusCode, isRetryableStatus(res.statusCode))
    }
    let append = res.statusCode === 206
    if (append) {
      const cr = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))
      if (!cr || Number(cr[1]) !== offset) append = false
    }
    if (!append) offset = 0
    const total = remote.size ?? (res.headers['content-length'] ? offset + Number(res.headers['content-length']) : undefined)
    let done = offset
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length
        fetched += chunk.length
        opts.onProgress?.({file: label, done, total})
        cb(null, chunk)
      },
    })
    await pipeline(stream, counter, createWriteStream(part, {flags: append ? 'a' : 'w'}))
    const size = (await fileSize(part)) ?? 0
    if (total !== undefined && size < total) {
      // the server closed early without an error: treat as a cut and resume
      throw new HubError(`${label}: connection closed at ${size} of ${total} bytes`, undefined, true)
    }
  })

  await fetchPart()
  let verified: DownloadFileResult['verified']
  try {
    verified = await verify(part, remote, linkedEtag, label)
  } catch (error) {
    // a .part from an older revision of the file can resume into garbage: start over once
    if (!(error instanceof ChecksumError) || resumedFrom === 0) throw error
    opts.log?.(`${label}: the resumed download failed its checksum; fetching it again from the start`)
    await fetchPart()
    verified = await verify(part, remote, linkedEtag, label)
  }
  const bytes = (await stat(part)).size
  if (remote.size !== undefined && bytes !== remote.size) {
    await rm(part, {force: true})
    throw new Error(`${label}: got ${bytes} bytes, the hub lists ${remote.size}; the download was discarded`)
  }
  await rename(part, dest)
  return {path: dest, bytes, fetched, verified, resumedFrom, alreadyPresent: false}
}

export interface DatasetDownloadOptions extends DownloadFileOptions {
  cacheDir: string
  maxRows?: number
  maxBytes?: number
  /** called once the split's files are listed (before any download) */
  onListed?: (files: RemoteFile[]) => void
  /** called before each file: index, count and the file */
  onFileStart?: (i: number, n: number, file: RemoteFile) => void
  /** called after each file */
  onFileDone?: (i: number, n: number, result: DownloadFileResult) => void
}

export interface DatasetDownloadResult {
  dataset: string
  dir: string
  files: Array<DownloadFileResult & {remotePath: string; rows: number}>
  rows: number
  bytes: number
  fetched: number
  /** files listed for the split but left out by maxRows / maxBytes */
  skipped: number
}

/** Where a dataset's files live in the cache: `<cacheDir>/datasets/<owner>/<name>/<repo path>`. */
export function datasetDir(cacheDir: string, id: string): string {
  return path.join(cacheDir, 'datasets', ...id.split('/'))
}

/** The parquet files of one dataset split, through the tree listing, else the hub's parquet conversion. */
export async function listDatasetParquet(spec: DatasetSpec, opts: HubOptions): Promise<RemoteFile[]> {
  const all = await listRepoFiles(spec.id, spec.revision, opts)
  const parquet = all.filter((f) => f.path.endsWith('.parquet'))
  const split = parquet.filter((f) => isSplitParquet(f.path, spec.split))
  if (split.length > 0) return split.sort((a, b) => a.path.localeCompare(b.path))
  if (parquet.length > 0) {
    opts.log?.(`${spec.id}: no parquet file names split "${spec.split}"; taking all ${parquet.length}`)
    return parquet.sort((a, b) => a.path.localeCompare(b.path))
  }
  const converted = await listConvertedParquet(spec.id, spec.split, opts)
  if (converted.length === 0) throw new HubError(`dataset ${spec.id} has no parquet files for split "${spec.split}" on ${trimEndpoint(opts.endpoint)}`)
  return converted
}

async function parquetRows(file: string): Promise<number> {
  try {
    return Number((await parquetMetadataAsync(await asyncBufferFromFile(file))).num_rows)
  } catch (error) {
    throw new Error(`${file} was downloaded but is not a readable parquet file: ${(error as Error).message}`)
  }
}

/**
 * Download a dataset split's parquet files into the cache, in name order, stopping once `maxRows` rows are on
 * disk or before `maxBytes` would be exceeded (whole files only).
 */
export async function downloadDataset(spec: DatasetSpec, opts: DatasetDownloadOptions): Promise<DatasetDownloadResult> {
  const files = await listDatasetParquet(spec, opts)
  opts.onListed?.(files)
  const dir = datasetDir(opts.cacheDir, spec.id)
  const result: DatasetDownloadResult = {dataset: spec.id, dir, files: [], rows: 0, bytes: 0, fetched: 0, skipped: 0}
  for (const [i, f] of files.entries()) {
    if (opts.maxRows !== undefined && result.rows >= opts.maxRows) break
    if (opts.maxBytes !== undefined && f.size !== undefined && result.bytes + f.size > opts.maxBytes) {
      if (result.files.length === 0)
        throw new ByteLimitTooSmallError(spec.id, opts.maxBytes, f.path, f.size)
      break
    }
    opts.onFileStart?.(i, files.length, f)
    const dest = path.join(dir, ...f.path.split('/'))
    const r = await downloadFile(f, dest, {...opts, label: `${spec.id}/${f.path}`})
    const rows = await parquetRows(dest)
    result.files.push({...r, remotePath: f.path, rows})
    result.rows += rows
    result.bytes += r.bytes
    result.fetched += r.fetched
    opts.onFileDone?.(i, files.length, r)
  }
  result.skipped = files.length - result.files.length
  return result
}
