import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {encodePng} from '../../src/image/index.js'
import {guidanceEmbedding, OnnxDiffusionPipeline} from '../../src/generation/diffusion-pipeline.js'
import {writeTinyPipeline, type TinyOptions} from './tiny-diffusion.js'

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-diffusion-'))
})
afterAll(async () => {
  await fs.rm(root, {recursive: true, force: true})
})

const cases: Array<[string, TinyOptions, number, number]> = [
  ['SD-style (fp32, float timestep)', {kind: 'sd'}, 64, 48],
  ['SDXL-style (two encoders, text_embeds, time_ids)', {kind: 'sdxl'}, 32, 32],
  ['LCM-style (timestep_cond)', {kind: 'lcm'}, 32, 40],
  ['SD-style with fp16 inputs and int64 timesteps', {kind: 'sd', fp16: true}, 32, 32],
  ['SD-style with external weights (model.onnx_data)', {kind: 'sd', externalData: true}, 32, 32],
]

describe('OnnxDiffusionPipeline on tiny ONNX models', () => {
  it.each(cases)('%s runs end to end and writes a PNG of the requested size', async (label, o, width, height) => {
    const dir = path.join(root, label.replace(/\W+/g, '-'))
    await writeTinyPipeline(dir, o)
    const pipe = await OnnxDiffusionPipeline.load(dir)
    expect(pipe.kind).toBe(o.kind)
    const steps: number[] = []
    const a = await pipe.generate({prompt: 'a cat photo', seed: 1, steps: 3, width, height, onStep: (i) => steps.push(i)})
    expect(steps).toEqual([1, 2, 3])
    const png = path.join(dir, 'out.png')
    await fs.writeFile(png, await encodePng(a.image))
    const meta = await sharp(png).metadata()
    expect([meta.width, meta.height]).toEqual([width, height])
    const again = await pipe.generate({prompt: 'a cat photo', seed: 1, steps: 3, width, height})
    expect(Buffer.from(again.image.data).equals(Buffer.from(a.image.data))).toBe(true)
    const other = await pipe.generate({prompt: 'a cat photo', seed: 2, steps: 3, width, height})
    expect(Buffer.from(other.image.data).equals(Buffer.from(a.image.data))).toBe(false)
    expect(a.meta).toMatchObject({seed: 1, steps: 3, width, height, prompt: 'a cat photo'})
    await pipe.dispose()
  })

  it('refuses a folder that is not an export, and sizes not divisible by 8', async () => {
    await expect(OnnxDiffusionPipeline.load(root)).rejects.toThrow(/not an ONNX diffusion folder/)
    const dir = path.join(root, 'size')
    await writeTinyPipeline(dir, {kind: 'sd'})
    const pipe = await OnnxDiffusionPipeline.load(dir)
    await expect(pipe.generate({width: 30, height: 32})).rejects.toThrow(/multiple of 8/)
    await pipe.dispose()
  })

  it('computes the LCM guidance embedding as sin/cos of w·1000 at log-spaced rates', () => {
    const e = guidanceEmbedding(7, 4)
    // half = 2: rates 1 and 1/10000
    expect(e[0]).toBeCloseTo(Math.sin(7000), 5)
    expect(e[1]).toBeCloseTo(Math.sin(0.7), 5)
    expect(e[2]).toBeCloseTo(Math.cos(7000), 5)
    expect(e[3]).toBeCloseTo(Math.cos(0.7), 5)
  })
})
