import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {createRng} from '../../src/config/random.js'
import {ChallengeBuilder, type ChallengePool} from '../../src/validator/challenge.js'
import {openChallengeData} from '../../src/cli/challenge-data.js'
import type {ChallengeData, GenerationOptions} from '../../src/validator/data.js'
import type {Challenge} from '../../src/validator/validator.js'
import {writeTinyPipeline} from '../generation/tiny-onnx-models.js'

const SCHED = {_class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'trailing'}
const SIZE = 64

let root: string
let realDir: string
let sdDir: string
let lcmDir: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-genchal-'))
  realDir = path.join(root, 'photos')
  await fs.mkdir(realDir)
  for (const [i, v] of [40, 120, 200].entries()) {
    await sharp({create: {width: 96 + 16 * i, height: 80, channels: 3, background: {r: v, g: 255 - v, b: 90}}}).png().toFile(path.join(realDir, `p${i}.png`))
  }
  sdDir = path.join(root, 'sd-tiny')
  lcmDir = path.join(root, 'lcm-tiny', 'onnx') // optimum's layout: named after the parent
  await writeTinyPipeline(sdDir, {kind: 'sd', float: 'float32', timestep: 'int64', scheduler: SCHED})
  await writeTinyPipeline(lcmDir, {kind: 'lcm', float: 'float32', timestep: 'float32', scheduler: {...SCHED, _class_name: 'LCMScheduler'}})
})
afterAll(() => fs.rm(root, {recursive: true, force: true}))

const generation = (extra: Partial<GenerationOptions> = {}): GenerationOptions => ({models: [sdDir, lcmDir], size: '32x32', steps: 2, cacheSize: 2, ...extra})

async function challenges(seed: number, n: number, opts: {fakeProbability?: number; countReal?: {gets: number}} = {}): Promise<Challenge[]> {
  const data = await openChallengeData({real: [realDir], generation: generation(), seed})
  try {
    data.start()
    const realPools: ChallengePool[] = data.realPools.map((p) => ({
      name: p.name, size: p.size,
      get: (i: number) => {
        if (opts.countReal) opts.countReal.gets++
        return p.get(i)
      },
    }))
    const builder = new ChallengeBuilder({realPools, fakePools: data.fakePools, fakeSources: data.fakeSources, rng: createRng(seed), size: SIZE, fakeProbability: opts.fakeProbability})
    const out: Challenge[] = []
    for (let i = 0; i < n; i++) out.push(await builder.next())
    return out
  } finally {
    await data.dispose()
  }
}

async function jpegOf(b64: string) {
  const buf = Buffer.from(b64, 'base64')
  expect(b64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
  expect([buf[0], buf[1]]).toEqual([0xff, 0xd8])
  return sharp(buf).metadata()
}

describe('validator challenges from the generation pool (ONNX diffusion)', () => {
  it('mixes labelled real rows and diffusion fakes, each a JPEG at the challenge size; the same seed repeats them', async () => {
    const a = await challenges(11, 14)
    expect(new Set(a.map((c) => c.label))).toEqual(new Set([0, 1]))
    for (const c of a) {
      if (c.label === 0) expect(c.source).toBe('photos')
      else expect(c.source).toMatch(/^diffusion:(sd-tiny|lcm-tiny)$/)
      const m = await jpegOf(c.image)
      expect([m.format, m.width, m.height]).toEqual(['jpeg', SIZE, SIZE])
    }
    const b = await challenges(11, 14)
    expect(b).toEqual(a)
    const c = await challenges(12, 14)
    expect(c).not.toEqual(a)
  })

  it('asks no real photo of a text-to-image source and uses every model', async () => {
    const counter = {gets: 0}
    const all = await challenges(5, 10, {fakeProbability: 1, countReal: counter})
    expect(all.every((c) => c.label === 1)).toBe(true)
    expect(counter.gets).toBe(0)
    expect(new Set(all.map((c) => c.source))).toEqual(new Set(['diffusion:sd-tiny', 'diffusion:lcm-tiny']))
  })

  it('makes images ahead in the background: in memory, or in an on-disk cache', async () => {
    const mem = await openChallengeData({generation: generation({cacheSize: 3}), seed: 1})
    try {
      expect(mem.generation!.models).toEqual(['sd-tiny', 'lcm-tiny'])
      expect(await mem.generation!.pending()).toBe(0) // nothing before start()
      mem.start()
      expect(await mem.generation!.pending()).toBe(3)
      const img = await mem.generation!.generate()
      expect([img.image.width, img.image.height]).toEqual([32, 32])
      expect(await mem.generation!.pending()).toBe(3) // topped up
    } finally {
      await mem.dispose()
    }
    const cacheDir = path.join(root, 'gen-cache')
    const disk = await openChallengeData({generation: generation({cacheDir, cacheSize: 2}), seed: 1})
    try {
      disk.start()
      const deadline = Date.now() + 20_000
      while ((await disk.generation!.pending()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(await disk.generation!.pending()).toBe(2)
      const img = await disk.generation!.generate()
      expect(img.meta.cached).toBe(true)
      expect(['sd-tiny', 'lcm-tiny']).toContain(img.meta.model)
    } finally {
      await disk.dispose()
    }
    expect((await fs.readdir(cacheDir)).some((f) => f.endsWith('.png'))).toBe(true)
  })

  it('names the bad model folder and what to do', async () => {
    const open = (models: string[], extra: Partial<GenerationOptions> = {}): Promise<ChallengeData> =>
      openChallengeData({generation: {...generation(extra), models}})
    await expect(open([path.join(root, 'nope')])).rejects.toThrow(/--generation\.model .*nope: no such folder.*diffusers ONNX export/)
    const broken = path.join(root, 'broken')
    await writeTinyPipeline(broken, {kind: 'sd', float: 'float32', timestep: 'int64', scheduler: SCHED})
    await fs.rm(path.join(broken, 'unet'), {recursive: true})
    await expect(open([sdDir, broken])).rejects.toThrow(/--generation\.model .*broken: .*missing unet\/model\.onnx.*bitmind generate --model-dir/)
    await expect(open([sdDir], {size: '30x30'})).rejects.toThrow(/--generation\.size must be positive multiples of 8/)
    await expect(openChallengeData({})).rejects.toThrow(/--generation\.model/)
  })
})
