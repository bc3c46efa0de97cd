import {existsSync} from 'node:fs'
import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterEach, beforeAll, beforeEach, describe, expect, it} from '@jest/globals'

import {ChecksumError, datasetDir, downloadDataset} from '../../src/data/download.js'
import {listRepoFiles} from '../../src/data/hub.js'
import {openDatasetPool} from '../../src/data/dataset-pool.js'
import type {DatasetSpec} from '../../src/data/registry.js'
import {FakeHub, sha256} from './hub-server.js'
import {imageParquet, noisePng} from './fixtures.js'

const spec = (id: string): DatasetSpec => ({id, split: 'train', label: 'real', imageColumn: 'image', revision: 'main', use: ['validator']})

let images: Buffer[]
let fileA: Buffer
let fileB: Buffer
let hub: FakeHub
let cache: string

beforeAll(async () => {
  images = await Promise.all(Array.from({length: 16}, (_, i) => noisePng(i)))
  fileA = imageParquet(images.slice(0, 10))
  fileB = imageParquet(images.slice(10))
})

beforeEach(async () => {
  hub = await new FakeHub().start()
  hub.repos.set('test/ds', {
    pageSize: 2,
    files: [
      {path: 'README.md', data: Buffer.from('# test\n')},
      {path: 'data/train-00000-of-00002.parquet', data: fileA},
      {path: 'data/train-00001-of-00002.parquet', data: fileB},
      {path: 'data/test-00000-of-00001.parquet', data: fileB},
    ],
  })
  cache = await mkdtemp(path.join(os.tmpdir(), 'bm-dl-'))
})

afterEach(async () => {
  await hub.stop()
  await rm(cache, {recursive: true, force: true})
})

const opts = () => ({endpoint: hub.url, cacheDir: cache, retries: 3, retryBaseMs: 5, token: 'hf_test'})
const dest = (p: string) => path.join(datasetDir(cache, 'test/ds'), p)

describe('hub listing', () => {
  it('follows Link pagination and reads lfs sha256 and sizes', async () => {
    const files = await listRepoFiles('test/ds', 'main', {endpoint: hub.url})
    expect(files.map((f) => f.path)).toEqual(['README.md', 'data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet', 'data/test-00000-of-00001.parquet'])
    expect(files[1]!.sha256).toBe(sha256(fileA))
    expect(files[1]!.size).toBe(fileA.length)
    expect(hub.log.filter((r) => r.url.includes('/tree/')).length).toBe(3)
  })
})

describe('downloadDataset', () => {
  it('downloads every parquet file of the split, verified, with the token, and the images read back', async () => {
    const r = await downloadDataset(spec('test/ds'), opts())
    expect(r.files.map((f) => f.remotePath)).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'])
    expect(r.files.every((f) => f.verified === 'sha256')).toBe(true)
    expect(r.rows).toBe(16)
    expect(await readFile(dest('data/train-00000-of-00002.parquet'))).toEqual(fileA)
    expect(existsSync(dest('data/train-00000-of-00002.parquet.part'))).toBe(false)
    expect(hub.log.filter((l) => l.url.startsWith('/api/')).every((l) => l.auth === 'Bearer hf_test')).toBe(true)
    const pool = await openDatasetPool(spec('test/ds'), cache)
    expect([pool.size, pool.label, pool.name]).toEqual([16, 0, 'test/ds'])
    await expect(openDatasetPool(spec('test/other'), cache)).rejects.toThrow(/run `bitmind download-data --datasets test\/other`/)
    for (const i of [0, 9, 15]) expect((await pool.get(i)).bytes).toEqual(images[i])
    // a second run finds the files complete and fetches nothing
    const again = await downloadDataset(spec('test/ds'), opts())
    expect(again.fetched).toBe(0)
    expect(again.files.every((f) => f.alreadyPresent)).toBe(true)
  })

  it('resumes with Range after the connection is cut mid-file', async () => {
    const name = 'data/train-00000-of-00002.parquet'
    hub.cutAfter.set(name, 5000)
    const r = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 1})
    expect(r.files).toHaveLength(1)
    const cdn = hub.log.filter((l) => l.url.startsWith('/cdn/') && l.url.endsWith(name))
    expect(cdn.length).toBe(2)
    expect(cdn[0]!.range).toBeUndefined()
    expect(cdn[1]!.range).toBe('bytes=5000-')
    expect(r.files[0]!.fetched).toBe(fileA.length)
    expect(await readFile(dest(name))).toEqual(fileA)
  })

  it('resumes a .part left by an interrupted run (Ctrl-C) and never takes it for complete', async () => {
    const name = 'data/train-00000-of-00002.parquet'
    await mkdir(path.dirname(dest(name)), {recursive: true})
    await writeFile(dest(name) + '.part', fileA.subarray(0, 3000))
    const r = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 1})
    expect(r.files[0]!.resumedFrom).toBe(3000)
    expect(r.files[0]!.fetched).toBe(fileA.length - 3000)
    expect(await readFile(dest(name))).toEqual(fileA)
  })

  it('starts over once when a resumed .part turns out to hold other content', async () => {
    const name = 'data/train-00000-of-00002.parquet'
    await mkdir(path.dirname(dest(name)), {recursive: true})
    await writeFile(dest(name) + '.part', Buffer.alloc(3000, 7))
    const r = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 1})
    expect(r.files[0]!.verified).toBe('sha256')
    expect(r.files[0]!.fetched).toBe(2 * fileA.length - 3000)
    expect(await readFile(dest(name))).toEqual(fileA)
  })

  it('rejects a checksum mismatch and keeps neither the file nor the part', async () => {
    hub.repos.get('test/ds')!.files[1]!.sha256 = 'ab'.repeat(32)
    await expect(downloadDataset(spec('test/ds'), opts())).rejects.toThrow(ChecksumError)
    expect(existsSync(dest('data/train-00000-of-00002.parquet'))).toBe(false)
    expect(existsSync(dest('data/train-00000-of-00002.parquet.part'))).toBe(false)
  })

  it('says clearly when the dataset does not exist, without retrying', async () => {
    await expect(downloadDataset(spec('test/missing'), opts())).rejects.toThrow(/test\/missing not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404 RepoNotFound\)/)
    expect(hub.log.length).toBe(1)
  })

  it('retries a 500 on the listing and on the file, then succeeds', async () => {
    hub.treeFailures = 1
    hub.cdnFailures = 1
    const r = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 1})
    expect(r.files).toHaveLength(1)
    expect(await readFile(dest('data/train-00000-of-00002.parquet'))).toEqual(fileA)
    expect(hub.log.filter((l) => l.url.includes('/tree/main?recursive=true&expand=false')).length).toBe(2)
  })

  it('retries a 429 (rate limit) on the listing; a 403 (gated set) fails at once and names HF_TOKEN', async () => {
    hub.treeFailures = 2
    hub.treeFailureStatus = 429
    const r = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 1})
    expect(r.files).toHaveLength(1)
    expect(hub.log.filter((l) => l.url.includes('/tree/main?recursive=true&expand=false')).length).toBe(3)

    hub.gated.add('test/ds')
    const before = hub.log.length
    await expect(downloadDataset(spec('test/ds'), opts())).rejects.toThrow(/test\/ds: access denied \(HTTP 403 GatedRepo\).*HF_TOKEN/)
    expect(hub.log.length - before).toBe(1)
  })

  it('takes a slice by rows and by bytes', async () => {
    const byRows = await downloadDataset(spec('test/ds'), {...opts(), maxRows: 10})
    expect(byRows.files).toHaveLength(1)
    expect(byRows.skipped).toBe(1)
    await rm(cache, {recursive: true, force: true})
    const byBytes = await downloadDataset(spec('test/ds'), {...opts(), maxBytes: fileA.length + fileB.length - 1})
    expect(byBytes.files).toHaveLength(1)
    await expect(downloadDataset(spec('test/ds'), {...opts(), maxBytes: 10})).rejects.toThrow(/smaller than its first parquet file/)
  })
})

