import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {createRng} from '../../src/config/random.js'
import {FolderPool} from '../../src/data/folder-pool.js'
import type {RgbImage} from '../../src/image/index.js'
import {ChallengeBuilder} from '../../src/validator/challenge.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-challenge-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

async function png(file: string, v: number, w = 320, h = 240) {
  await fs.mkdir(path.dirname(file), {recursive: true})
  await sharp({create: {width: w, height: h, channels: 3, background: {r: v, g: v, b: v}}}).png().toFile(file)
}

/** A generator that paints a flat image: the base image's mean inverted, so tests can tell what it got. */
const flatSource = {
  name: 'flat',
  bases: 0,
  async generate(opts: {seed?: number; width?: number; height?: number; baseImage?: RgbImage}) {
    const w = opts.baseImage?.width ?? opts.width ?? 64
    const h = opts.baseImage?.height ?? opts.height ?? 64
    if (opts.baseImage) this.bases++
    return {image: {data: new Uint8Array(w * h * 3).fill(30), width: w, height: h}, meta: {}}
  },
}

async function meanOf(b64: string) {
  const buf = Buffer.from(b64, 'base64')
  const meta = await sharp(buf).metadata()
  const stats = await sharp(buf).stats()
  return {format: meta.format, width: meta.width, height: meta.height, mean: stats.channels[0]!.mean}
}

describe('ChallengeBuilder', () => {
  it('flips a fair coin between real rows and generated images, augments to 256² JPEG', async () => {
    await png(path.join(tmp, 'real', 'a.png'), 220)
    await png(path.join(tmp, 'real', 'b.png'), 230, 200, 300)
    const real = await FolderPool.open(path.join(tmp, 'real'), {label: 0, name: 'real-folder'})
    const builder = new ChallengeBuilder({realPools: [real], fakeSources: [flatSource], rng: createRng(5)})
    const labels: number[] = []
    for (let i = 0; i < 24; i++) {
      const c = await builder.next()
      labels.push(c.label)
      const m = await meanOf(c.image)
      expect(m).toMatchObject({format: 'jpeg', width: 256, height: 256})
      if (c.label === 0) {
        expect(c.source).toBe('real-folder')
        expect(m.mean).toBeGreaterThan(120) // bright photo (rotation corners are black)
      } else {
        expect(c.source).toBe('flat')
        expect(m.mean).toBeLessThan(40)
      }
    }
    const fakes = labels.filter((l) => l === 1).length
    expect(fakes).toBeGreaterThan(5)
    expect(fakes).toBeLessThan(19)
    // generators that can take a base image get a real photo to work from
    expect(flatSource.bases).toBe(fakes)
  })

  it('repeats under a seed, uses fake pools, and refuses to build from nothing', async () => {
    await png(path.join(tmp, 'fake', 'x.png'), 10)
    const real = await FolderPool.open(path.join(tmp, 'real'), {label: 0})
    const fake = await FolderPool.open(path.join(tmp, 'fake'), {label: 1, name: 'fake-folder'})
    const run = async () => {
      const b = new ChallengeBuilder({realPools: [real], fakeSources: [], fakePools: [fake], rng: createRng(9)})
      const out = []
      for (let i = 0; i < 6; i++) out.push(await b.next())
      return out
    }
    const [a, b] = [await run(), await run()]
    expect(a).toEqual(b)
    expect(a.some((c) => c.source === 'fake-folder' && c.label === 1)).toBe(true)
    const empty = await FolderPool.open(path.join(tmp, 'nothing-here-' + Date.now()), {label: 0}).catch(() => undefined)
    expect(() => new ChallengeBuilder({realPools: empty ? [empty] : [], fakeSources: [], rng: createRng(1)})).toThrow(/no challenge images/)
  })

  it('draws an augmentation level per challenge when asked, and records it with the challenge', async () => {
    const real = await FolderPool.open(path.join(tmp, 'real'), {label: 0, name: 'real-folder'})
    const random = new ChallengeBuilder({realPools: [real], fakeSources: [], rng: createRng(3), level: 'random', size: 64})
    const levels = new Set<number>()
    for (let i = 0; i < 16; i++) {
      const c = await random.next()
      expect(c.augmentation).toBeDefined()
      levels.add(c.augmentation!.level)
      if (c.augmentation!.level >= 1) expect(c.augmentation!.geometry).toBeDefined()
      if (c.augmentation!.level <= 1) expect(c.augmentation!.distortions).toEqual([])
    }
    expect([...levels].sort()).toEqual([0, 1, 2, 3])
    // level 0: no rotation, so no black corners: the flat bright photo stays bright all over
    const none = new ChallengeBuilder({realPools: [real], fakeSources: [], rng: createRng(3), level: 0, size: 64})
    const c0 = await none.next()
    expect(c0.augmentation).toEqual({level: 0, distortions: []})
    const stats = await sharp(Buffer.from(c0.image, 'base64')).stats()
    expect(stats.channels[0]!.min).toBeGreaterThan(200)
    // the default stays level 1, the recipe the seed always used
    const dflt = new ChallengeBuilder({realPools: [real], fakeSources: [], rng: createRng(3), size: 64})
    expect((await dflt.next()).augmentation?.level).toBe(1)
  })
})
