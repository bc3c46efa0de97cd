import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {OnnxDiffusionPipeline} from '../../src/generation/onnx-diffusion.js'
import {GenerationPool, pickWeighted} from '../../src/generation/pool.js'
import {CAMERA_TAGS, cleanPrompt, STARTERS, TemplatePromptSource} from '../../src/generation/prompts.js'
import {writeTinyPipeline} from './tiny-onnx-models.js'

const SCHED = {_class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'trailing'}

let root: string
let sd: OnnxDiffusionPipeline
let lcm: OnnxDiffusionPipeline
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-pool-'))
  await writeTinyPipeline(path.join(root, 'sd'), {kind: 'sd', float: 'float32', timestep: 'int64', scheduler: SCHED})
  await writeTinyPipeline(path.join(root, 'lcm'), {kind: 'lcm', float: 'float32', timestep: 'float32', scheduler: {...SCHED, _class_name: 'LCMScheduler'}})
  sd = await OnnxDiffusionPipeline.load(path.join(root, 'sd'))
  lcm = await OnnxDiffusionPipeline.load(path.join(root, 'lcm'))
})
afterAll(async () => {
  await sd.dispose()
  await lcm.dispose()
  await fs.rm(root, {recursive: true, force: true})
})

describe('template prompts', () => {
  it('starter + subject + quality tags + camera tag, repeatable under a seed', async () => {
    const src = new TemplatePromptSource()
    const a = await src.next(createRng(1))
    expect(await src.next(createRng(1))).toBe(a)
    expect(STARTERS.some((s) => a.startsWith(s))).toBe(true)
    expect(CAMERA_TAGS.some((c) => a.endsWith(c))).toBe(true)
    const many = new Set(await Promise.all(Array.from({length: 20}, (_, i) => src.next(createRng(i)))))
    expect(many.size).toBeGreaterThan(10)
  })

  it('cleans model output to one line', () => {
    expect(cleanPrompt('A cat,, on a mat , ,\nsecond line')).toBe('A cat, on a mat')
  })
})

describe('GenerationPool', () => {
  it('picks sources by weight', async () => {
    const rng = createRng(5)
    const counts = [0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[pickWeighted([1, 3, 0], rng)]!++
    expect(counts[2]).toBe(0)
    expect(counts[1]! / counts[0]!).toBeGreaterThan(2.6)
    expect(counts[1]! / counts[0]!).toBeLessThan(3.4)
    expect(() => new GenerationPool({sources: [{source: sd, weight: 0}]})).toThrow(/every source weight is 0/)
    const pool = new GenerationPool({sources: [{source: sd, weight: 0}, {source: lcm, weight: 1}], generate: {width: 16, height: 16, steps: 2}, seed: 1})
    for (let i = 0; i < 3; i++) expect((await pool.generateNow()).meta.model).toBe('lcm')
  })

  it('hands a real base image to the prompt source and the generator', async () => {
    const seen: string[] = []
    const base = {data: new Uint8Array(8 * 8 * 3).fill(200), width: 8, height: 8}
    const prompts = {name: 'echo', next: async (_rng?: () => number, image?: {width: number}) => `image ${image?.width ?? 'none'} wide`}
    const upscaler = {name: 'x2', generate: async (o: {baseImage?: typeof base; prompt?: string}) => {
      seen.push(o.prompt ?? '')
      const b = o.baseImage!
      return {image: {data: new Uint8Array(b.width * b.height * 12), width: b.width * 2, height: b.height * 2}, meta: {source: 'x2', width: b.width * 2, height: b.height * 2}}
    }}
    const pool = new GenerationPool({sources: [{source: upscaler, weight: 1}], prompts, baseImages: async () => base, seed: 4})
    const out = await pool.generateNow()
    expect([out.image.width, out.image.height]).toEqual([16, 16])
    expect(seen).toEqual(['image 8 wide'])
  })

  it('keeps a bounded on-disk cache full in the background and serves from it', async () => {
    const cacheDir = path.join(root, 'cache')
    const pool = new GenerationPool({sources: [{source: sd, weight: 1}, {source: lcm, weight: 1}], cacheDir, cacheSize: 3,
      generate: {width: 24, height: 16, steps: 2}, seed: 2})
    pool.start()
    try {
      const deadline = Date.now() + 20_000
      while ((await pool.cachedCount()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(await pool.cachedCount()).toBe(3)
      await new Promise((r) => setTimeout(r, 300))
      expect(await pool.cachedCount()).toBe(3) // bounded
      const img = await pool.next()
      expect(img.meta.cached).toBe(true)
      expect([img.image.width, img.image.height]).toEqual([24, 16])
      expect(['sd', 'lcm']).toContain(img.meta.model)
      const refill = Date.now() + 20_000
      while ((await pool.cachedCount()) < 3 && Date.now() < refill) await new Promise((r) => setTimeout(r, 50))
      expect(await pool.cachedCount()).toBe(3)
    } finally {
      await pool.stop()
    }
    const files = await fs.readdir(cacheDir)
    expect(files.filter((f) => f.endsWith('.png')).length).toBe(3)
  })
})
