import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {FolderPool} from '../../src/data/folder-pool.js'
import {ParquetPool, imageCellBytes} from '../../src/data/parquet-pool.js'
import {PoolIndexError} from '../../src/data/pool.js'
import {EpochSampler, FeistelPermutation} from '../../src/data/sampler.js'
import {imageParquet, noisePng} from './fixtures.js'

let dir: string
let images: Buffer[]

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bm-pool-'))
  images = await Promise.all(Array.from({length: 12}, (_, i) => noisePng(100 + i, 24)))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('ParquetPool', () => {
  it('reads 3 images by index across files and row groups', async () => {
    const a = path.join(dir, 'pq', 'train-00000.parquet')
    const b = path.join(dir, 'pq', 'train-00001.parquet')
    await mkdir(path.dirname(a), {recursive: true})
    await writeFile(a, imageParquet(images.slice(0, 7), 3))
    await writeFile(b, imageParquet(images.slice(7), 2))
    const pool = await ParquetPool.open(path.join(dir, 'pq'), {label: 1, name: 'pq'})
    expect(pool.size).toBe(12)
    expect(pool.label).toBe(1)
    for (const i of [1, 6, 10]) {
      const item = await pool.get(i)
      expect(item.bytes).toEqual(images[i])
      expect(item.index).toBe(i)
    }
    expect((await pool.get(7)).source).toBe(`${b}#0`)
    await expect(pool.get(12)).rejects.toThrow(PoolIndexError)
  })

  it('names a missing image column', async () => {
    const f = path.join(dir, 'pq', 'train-00000.parquet')
    await expect(ParquetPool.open([f], {label: 0, imageColumn: 'picture'})).rejects.toThrow(/no column "picture"/)
  })

  it('accepts struct cells and bare binary', () => {
    const u = new Uint8Array([1, 2, 3])
    expect(imageCellBytes({bytes: u, path: 'x'})).toEqual(Buffer.from([1, 2, 3]))
    expect(imageCellBytes(u)).toEqual(Buffer.from([1, 2, 3]))
    expect(imageCellBytes({path: 'x'})).toBeUndefined()
  })
})

describe('FolderPool', () => {
  it('reads 3 images by index in sorted path order, recursing into subfolders', async () => {
    const root = path.join(dir, 'folder')
    await mkdir(path.join(root, 'sub'), {recursive: true})
    for (let i = 0; i < 5; i++) await writeFile(path.join(root, `img${i}.png`), images[i]!)
    await writeFile(path.join(root, 'sub', 'zz.png'), images[5]!)
    await writeFile(path.join(root, 'notes.txt'), 'not an image')
    const pool = await FolderPool.open(root, {label: 0})
    expect(pool.size).toBe(6)
    for (const i of [0, 3, 4]) expect((await pool.get(i)).bytes).toEqual(images[i])
    expect((await pool.get(5)).source).toBe(path.join(root, 'sub', 'zz.png'))
    await expect(FolderPool.open(path.join(dir, 'nope'), {label: 0})).rejects.toThrow(/cannot read image folder/)
  })
})

describe('EpochSampler', () => {
  it('draws each index once per epoch, in a new order each epoch, repeatably under a seed', () => {
    const n = 1000
    const s = new EpochSampler(n, 42)
    const e0 = s.take(n)
    const e1 = s.take(n)
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({length: n}, (_, i) => i))
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({length: n}, (_, i) => i))
    expect(e1).not.toEqual(e0)
    expect(s.epoch).toBe(1)
    expect(new EpochSampler(n, 42).take(50)).toEqual(e0.slice(0, 50))
    expect(new EpochSampler(n, 43).take(50)).not.toEqual(e0.slice(0, 50))
  })

  it('shuffles huge pools without an index array', () => {
    const p = new FeistelPermutation(50_000_000, 7)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const v = p.at(i)
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(50_000_000)
      seen.add(v)
    }
    expect(seen.size).toBe(2000)
    expect(new FeistelPermutation(1, 3).at(0)).toBe(0)
  })
})
