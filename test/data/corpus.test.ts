import {existsSync} from 'node:fs'
import {mkdtemp, mkdir, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {openCorpusSplit} from '../../src/data/corpus.js'
import {buildOfflineCorpus, splitPhotos, type CorpusEntry} from '../../src/data/offline-corpus.js'

let dir: string

async function photo(file: string, seed: number, w: number, h: number, opts: {grey?: boolean; alpha?: boolean} = {}) {
  await mkdir(path.dirname(file), {recursive: true})
  const ch = opts.alpha ? 4 : 3
  const raw = Buffer.alloc(w * h * ch)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * ch
      raw[i] = (x * seed) % 256
      raw[i + 1] = (y * 3 + seed * 17) % 256
      raw[i + 2] = ((x ^ y) + seed) % 256
      if (ch === 4) raw[i + 3] = 255
    }
  let img = sharp(raw, {raw: {width: w, height: h, channels: ch}})
  if (opts.grey) img = img.greyscale()
  await (file.endsWith('.jpg') ? img.jpeg() : img.png()).toFile(file)
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bm-corpus-'))
  const root = path.join(dir, 'pkgs')
  await photo(path.join(root, 'pkg-a', 'usr/share/a1.jpg'), 3, 160, 120)
  await photo(path.join(root, 'pkg-a', 'usr/share/a2.png'), 5, 120, 140, {alpha: true})
  await photo(path.join(root, 'pkg-b', 'usr/share/b1.png'), 7, 200, 100, {grey: true})
  await photo(path.join(root, 'pkg-b', 'usr/share/b2.jpg'), 9, 100, 100)
  await photo(path.join(root, 'pkg-b', 'usr/share/tiny.jpg'), 11, 30, 30)
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('offline corpus', () => {
  it('splits by photo: every photo in exactly one split, val and test not empty', () => {
    const photos = Array.from({length: 40}, (_, i) => ({package: `p${i % 3}`, id: i}))
    const s = splitPhotos(photos, 1)
    const counts = {train: 0, val: 0, test: 0}
    for (const p of photos) counts[s.get(p)!]++
    expect(counts).toEqual({train: 32, val: 4, test: 4})
    expect(splitPhotos(photos, 1)).toEqual(s)
  })

  it('builds real and ESRGAN crops with a manifest, split by source photo', async () => {
    const out = path.join(dir, 'corpus')
    const logs: string[] = []
    const summary = await buildOfflineCorpus({
      outDir: out,
      size: 48,
      perClass: 20,
      seed: 5,
      packagesRoot: path.join(dir, 'pkgs'),
      catalog: [
        {package: 'pkg-a', files: ['usr/share/a1.jpg', 'usr/share/a2.png']},
        {package: 'pkg-b', files: ['usr/share/b1.png', 'usr/share/b2.jpg', 'usr/share/tiny.jpg', 'usr/share/gone.jpg']},
      ],
      generators: [
        {pkg: 'slim', scale: 2},
        {pkg: 'slim', scale: 3},
      ],
      fraction: {val: 0.25, test: 0.25},
      backend: 'wasm',
      log: (m) => logs.push(m),
    })
    expect(summary.photos).toBe(4)
    expect(summary.total).toEqual({real: 20, fake: 20})
    expect(summary.generators['esrgan-slim-x2']! + summary.generators['esrgan-slim-x3']!).toBe(20)
    expect(logs.some((l) => l.includes('gone.jpg'))).toBe(true)
    expect(logs.some((l) => l.includes('tiny.jpg') && l.includes('smaller'))).toBe(true)

    const lines = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CorpusEntry)
    expect(lines).toHaveLength(40)
    const splitOfPhoto = new Map<string, string>()
    for (const e of lines) {
      expect(existsSync(path.join(out, e.file))).toBe(true)
      expect(e.file.startsWith(`${e.split}/${e.label === 0 ? 'real' : 'fake'}/`)).toBe(true)
      if (e.label === 1) expect(e.generator).toMatch(/^esrgan-slim-x[23]$/)
      else expect(e.generator).toBeNull()
      expect(splitOfPhoto.get(e.photo) ?? e.split).toBe(e.split)
      splitOfPhoto.set(e.photo, e.split)
    }
    expect(new Set(splitOfPhoto.values())).toEqual(new Set(['train', 'val', 'test']))
    const meta = await sharp(path.join(out, lines[1]!.file)).metadata()
    expect([meta.width, meta.height, meta.channels]).toEqual([48, 48, 3])

    for (const split of ['train', 'val', 'test'] as const) {
      const {real, fake} = await openCorpusSplit(out, split)
      expect(real.size).toBe(summary.counts[split].real)
      expect(fake.size).toBe(summary.counts[split].fake)
      expect([real.label, fake.label]).toEqual([0, 1])
    }
    const train = await openCorpusSplit(out, 'train')
    const item = await train.fake.get(0)
    expect((await sharp(item.bytes).metadata()).format).toBe('png')
    // a rebuild replaces the corpus; a folder that is not a corpus is refused
    await expect(buildOfflineCorpus({outDir: path.join(dir, 'pkgs'), packagesRoot: path.join(dir, 'pkgs'), catalog: [{package: 'pkg-a', files: ['usr/share/a1.jpg']}]})).rejects.toThrow(/refusing/)
  })
  it('reports progress against the crops it really makes: the count never passes the total', async () => {
    // 10 per class over 4 photos: the per-photo minimum can make more crops than 2 × perClass
    const out = path.join(dir, 'corpus-progress')
    const events: {done: number; total: number; photo: number; photos: number}[] = []
    await buildOfflineCorpus({
      outDir: out,
      size: 48,
      perClass: 10,
      seed: 2,
      packagesRoot: path.join(dir, 'pkgs'),
      catalog: [
        {package: 'pkg-a', files: ['usr/share/a1.jpg', 'usr/share/a2.png']},
        {package: 'pkg-b', files: ['usr/share/b1.png', 'usr/share/b2.jpg']},
      ],
      generators: [{pkg: 'slim', scale: 2}],
      fraction: {val: 0.25, test: 0.25},
      backend: 'wasm',
      onProgress: (p) => events.push(p),
    })
    const made = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').length
    expect(events.map((e) => e.done)).toEqual(Array.from({length: made}, (_, i) => i + 1))
    expect(new Set(events.map((e) => e.total))).toEqual(new Set([made]))
    for (const e of events) {
      expect(e.done).toBeLessThanOrEqual(e.total)
      expect(e.photo).toBeLessThanOrEqual(e.photos)
    }
    expect(events.at(-1)).toMatchObject({done: made, total: made, photo: 4, photos: 4})
  })
})
