import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {decodeImage, encodePng} from '../../src/image/index.js'
import {OnnxDiffusionPipeline, guidanceEmbedding} from '../../src/generation/onnx-diffusion.js'
import {ProviderUnavailableError} from '../../src/runtime/errors.js'
import {onnxSessionOptions as sessionOptions} from '../../src/runtime/onnx-session.js'
import {writeTinyPipeline, type TinyPipelineSpec} from './tiny-onnx-models.js'

const SD_TURBO_SCHED = {_class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012,
  num_train_timesteps: 1000, prediction_type: 'epsilon', timestep_spacing: 'trailing', steps_offset: 1}
const SPECS: Record<string, TinyPipelineSpec> = {
  sd: {kind: 'sd', float: 'float32', timestep: 'int64', scheduler: SD_TURBO_SCHED},
  sdxl: {kind: 'sdxl', float: 'float16', timestep: 'int64', idType: 'int64', externalWeights: true,
    scheduler: {...SD_TURBO_SCHED, _class_name: 'EulerAncestralDiscreteScheduler'}},
  lcm: {kind: 'lcm', float: 'float32', timestep: 'float32', externalWeights: true,
    scheduler: {...SD_TURBO_SCHED, _class_name: 'LCMScheduler', timestep_spacing: 'leading', original_inference_steps: 50}},
}

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-gen-'))
  for (const [name, spec] of Object.entries(SPECS)) await writeTinyPipeline(path.join(root, name), spec)
})
afterAll(async () => {
  await fs.rm(root, {recursive: true, force: true})
})

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

describe.each([
  ['sd', 64, 48, 2, 'euler'],
  ['sdxl', 40, 32, 0, 'euler-ancestral'],
  ['lcm', 32, 32, 8, 'lcm'],
] as const)('tiny %s pipeline end to end', (name, width, height, guidanceScale, scheduler) => {
  it('writes a PNG of the requested size; the seed fixes the image', async () => {
    const external = path.join(root, name, 'vae_decoder', 'model.onnx_data')
    expect((await fs.stat(external).then(() => true, () => false))).toBe(SPECS[name]!.externalWeights === true)
    const pipe = await OnnxDiffusionPipeline.load(path.join(root, name))
    const steps: number[] = []
    try {
      const opts = {prompt: 'a photo of a cat', width, height, steps: 4, guidanceScale, onStep: (i: number) => steps.push(i)}
      const a = await pipe.generate({...opts, seed: 7})
      expect(steps).toEqual([1, 2, 3, 4])
      expect(a.meta).toMatchObject({model: name, seed: 7, steps: 4, width, height, scheduler, kind: name === 'sdxl' ? 'sdxl' : 'sd'})
      const png = path.join(root, `${name}.png`)
      await fs.writeFile(png, await encodePng(a.image))
      const back = await decodeImage(png)
      expect([back.width, back.height]).toEqual([width, height])
      expect(same(back.data, a.image.data)).toBe(true)
      const levels = new Set(a.image.data)
      expect(levels.size).toBeGreaterThan(8) // not a flat or saturated picture

      const again = await pipe.generate({...opts, seed: 7})
      expect(same(again.image.data, a.image.data)).toBe(true)
      const other = await pipe.generate({...opts, seed: 8})
      expect(same(other.image.data, a.image.data)).toBe(false)
    } finally {
      await pipe.dispose()
    }
  })
})

describe('pipeline details', () => {
  it('classifier-free guidance changes the image only when the scale is above 1 (SD)', async () => {
    const pipe = await OnnxDiffusionPipeline.load(path.join(root, 'sd'))
    try {
      const base = {prompt: 'red fox', width: 16, height: 16, steps: 2, seed: 3}
      const off = await pipe.generate({...base, guidanceScale: 0})
      const one = await pipe.generate({...base, guidanceScale: 1})
      const on = await pipe.generate({...base, guidanceScale: 5})
      expect(same(off.image.data, one.image.data)).toBe(true)
      expect(same(off.image.data, on.image.data)).toBe(false)
      const otherPrompt = await pipe.generate({...base, prompt: 'zzzz 999', guidanceScale: 0})
      expect(same(off.image.data, otherPrompt.image.data)).toBe(false)
    } finally {
      await pipe.dispose()
    }
  })

  it('rejects sizes that are not multiples of 8 and folders that are not exports', async () => {
    const pipe = await OnnxDiffusionPipeline.load(path.join(root, 'sd'))
    await expect(pipe.generate({width: 30, height: 32})).rejects.toThrow(/multiples of 8/)
    await pipe.dispose()
    await expect(OnnxDiffusionPipeline.load(root)).rejects.toThrow(/missing text_encoder\/model.onnx/)
  })

  it('LCM guidance embedding matches the sinusoidal formula (w = 7 → w·1000)', () => {
    const e = guidanceEmbedding(7, 8)
    const freq = (i: number) => Math.exp((-Math.log(10000) / 3) * i)
    for (let i = 0; i < 4; i++) {
      expect(e[i]).toBeCloseTo(Math.sin(7000 * freq(i)), 4)
      expect(e[4 + i]).toBeCloseTo(Math.cos(7000 * freq(i)), 4)
    }
  })

  it('names a missing execution provider clearly', () => {
    expect(() => sessionOptions('nosuch')).toThrow(ProviderUnavailableError)
    expect(() => sessionOptions('nosuch')).toThrow(/"nosuch" is not in this onnxruntime-node build \(has: cpu/)
    expect(sessionOptions('cpu').executionProviders).toEqual(['cpu'])
  })
})
