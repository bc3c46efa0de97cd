import * as tf from '@tensorflow/tfjs'
import {describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {Adam, adamUpdateInPlace, scheduledLr} from '../../src/training/adam.js'
import {balancedEpoch, cropFlip, mixSeed, randomCropFlip, SampleSet, toBatchTensor} from '../../src/training/samples.js'

describe('Adam (PyTorch update rule)', () => {
  it('matches torch.optim.Adam on a scalar over three steps', async () => {
    // tfjs's test mode: no "install tfjs-node" banner from the cpu backend on the jest console
    tf.env().set('IS_TEST', true)
    await tf.setBackend('cpu')
    const p = tf.variable(tf.scalar(1))
    const params = new Map([['0', p]])
    const adam = new Adam({lr: 0.1})
    // reference values: the PyTorch formula evaluated in float64 (see adam.ts)
    const expected = [0.900000002, 0.9366103542405654, 0.9502794203389762]
    for (const [k, g] of [0.5, -1.0, 0.25].entries()) {
      adam.apply(params, {'0': tf.scalar(g)})
      expect((await p.data())[0]).toBeCloseTo(expected[k]!, 6)
    }
    // state round trip: a copy continues exactly like the original
    const state = await adam.getState()
    expect(state.step).toBe(3)
    const q = tf.variable(tf.scalar((await p.data())[0]!))
    const copy = new Adam({lr: 0.1})
    copy.setState(state)
    adam.apply(params, {'0': tf.scalar(0.3)})
    copy.apply(new Map([['0', q]]), {'0': tf.scalar(0.3)})
    expect((await q.data())[0]).toBeCloseTo((await p.data())[0]!, 7)
  })

  it('the in-place form (the ONNX Runtime engine\'s) takes the same three steps', () => {
    const p = Float32Array.of(1, 1), m = new Float32Array(2), v = new Float32Array(2)
    const expected = [0.900000002, 0.9366103542405654, 0.9502794203389762]
    for (const [k, g] of [0.5, -1.0, 0.25].entries()) {
      adamUpdateInPlace(p, Float32Array.of(g, -g), m, v, k + 1, {lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8})
      expect(p[0]).toBeCloseTo(expected[k]!, 6)
      expect(p[1]).toBeCloseTo(2 - expected[k]!, 6) // the opposite gradient mirrors the step
    }
  })

  it('decays lr by 0.9 every delr-freq epochs down to the floor', () => {
    expect(scheduledLr(1e-4, 0, 20)).toBe(1e-4)
    expect(scheduledLr(1e-4, 19, 20)).toBe(1e-4)
    expect(scheduledLr(1e-4, 20, 20)).toBeCloseTo(9e-5, 12)
    expect(scheduledLr(1e-4, 45, 20)).toBeCloseTo(8.1e-5, 12)
    expect(scheduledLr(1e-4, 100000, 20)).toBe(1e-6)
  })
})

describe('sampling and batches', () => {
  it('balanced epochs hold as many real as fake samples, repeat under a seed and change per epoch', () => {
    const e0 = balancedEpoch(3, 10, 10, 7, 0)
    expect(e0).toHaveLength(20)
    expect(e0.filter((r) => r.label === 0)).toHaveLength(10)
    const fakes = e0.filter((r) => r.label === 1).map((r) => r.index).sort((a, b) => a - b)
    expect(fakes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // the small real pool is cycled: every real image appears 3 or 4 times
    const counts = [0, 0, 0]
    for (const r of e0) if (r.label === 0) counts[r.index]!++
    expect(counts.every((c) => c === 3 || c === 4)).toBe(true)
    expect(balancedEpoch(3, 10, 10, 7, 0)).toEqual(e0)
    expect(balancedEpoch(3, 10, 10, 7, 1)).not.toEqual(e0)
    expect(mixSeed(1, 2, 3)).not.toBe(mixSeed(1, 3, 2))
  })

  it('crops without resampling and mirrors', () => {
    // 3×2 image, pixel value = 10·row + col in every channel
    const img = {width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 10, 11, 12].flatMap((v) => [v, v, v]))}
    const c = cropFlip(img, 1, 0, 2, false, false)
    expect(Array.from(c.data.filter((_, i) => i % 3 === 0))).toEqual([1, 2, 11, 12])
    const h = cropFlip(img, 1, 0, 2, true, false)
    expect(Array.from(h.data.filter((_, i) => i % 3 === 0))).toEqual([2, 1, 12, 11])
    const v = cropFlip(img, 0, 0, 2, false, true)
    expect(Array.from(v.data.filter((_, i) => i % 3 === 0))).toEqual([10, 11, 0, 1])
    expect(() => cropFlip(img, 2, 0, 2, false, false)).toThrow(/does not fit/)
    const r = randomCropFlip({width: 40, height: 40, data: new Uint8Array(40 * 40 * 3)}, 16, createRng(1), 4)
    expect([r.width, r.height]).toEqual([16, 16])
  })

  it('stacks images into NHWC x/255', async () => {
    const a = {width: 1, height: 1, data: Uint8Array.from([255, 0, 51])}
    const b = {width: 1, height: 1, data: Uint8Array.from([0, 255, 102])}
    const t = toBatchTensor([a, b])
    expect(t.shape).toEqual([2, 1, 1, 3])
    const d = Array.from(await t.data())
    expect(d.map((x) => Math.round(x * 255))).toEqual([255, 0, 51, 0, 255, 102])
    expect(() => toBatchTensor([a, {width: 2, height: 1, data: new Uint8Array(6)}])).toThrow(/share a size/)
  })
})

describe('challenge mode (train and validate on images as a validator sends them)', () => {
  const photo = (w: number, h: number, seed: number) => {
    const rng = createRng(seed)
    const data = new Uint8Array(w * h * 3)
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256)
    return {data, width: w, height: h}
  }
  const images = [photo(96, 80, 1), photo(70, 90, 2)]
  const pool = (label: string) => ({
    size: images.length,
    name: label,
    get: async (index: number) => ({bytes: Buffer.from(String(index)), source: `${label}-${index}`, index}),
  })
  const calls: {size: number; quality: number}[] = []
  const ops = {
    decode: async (bytes: Buffer) => images[Number(bytes.toString())]!,
    base: async () => {
      throw new Error('challenge mode must not apply the base transform')
    },
    challenge: async (img: {data: Uint8Array; width: number; height: number}, rng: () => number, size: number, quality: number) => {
      calls.push({size, quality})
      // stand-in for rotation + RandomResizedCrop + JPEG: a size×size image whose pixels depend on the rng draw
      const v = Math.floor(rng() * 256)
      return {data: new Uint8Array(size * size * 3).fill(v ^ img.width), width: size, height: size}
    },
  }

  it('evaluates each sample on one fixed challenge and trains on fresh challenges, cropped raw', async () => {
    const set = new SampleSet({real: pool('real'), fake: pool('fake')}, ops, {inputSize: 32, trainCrop: 8, challenge: {size: 32, quality: 75}})
    const a = await set.evalImage({label: 0, index: 1})
    const b = await set.evalImage({label: 0, index: 1})
    expect(a.img.width).toBe(32)
    expect(a.img.data).toEqual(b.img.data)
    expect(a.source).toBe('real-1')
    const other = await set.evalImage({label: 1, index: 1})
    expect(other.img.data).not.toEqual(a.img.data)
    const rng = createRng(5)
    const t1 = await set.trainImage({label: 0, index: 0}, rng)
    const t2 = await set.trainImage({label: 0, index: 0}, rng)
    expect([t1.width, t1.height]).toEqual([8, 8])
    expect(t1.data[0]).not.toBe(t2.data[0])
    expect(calls.every((c) => c.size === 32 && c.quality === 75)).toBe(true)
  })
})

describe('the real challenge transform of bitmind train --challenge', () => {
  it('rotates, crops and resizes to the size, and JPEG-compresses (lossy) like the validator', async () => {
    const {imageOps} = await import('../../src/training/run.js')
    const {augmentChallenge} = await import('../../src/image/augment.js')
    const w = 80
    const data = new Uint8Array(w * w * 3)
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data.set([x * 3, y * 3, (x ^ y) & 255], (y * w + x) * 3)
    const img = {data, width: w, height: w}
    const out = await imageOps().challenge!(img, createRng(3), 48, 75)
    expect([out.width, out.height]).toEqual([48, 48])
    const plain = await augmentChallenge(img, createRng(3), 48)
    let diff = 0
    for (let i = 0; i < out.data.length; i++) diff += Math.abs(out.data[i]! - plain.data[i]!)
    const mad = diff / out.data.length
    expect(mad).toBeGreaterThan(0.2) // JPEG q75 changed pixels
    expect(mad).toBeLessThan(12) // ...of the same augmented image
  })

  it('at an augmentation level is exactly the validator level pipeline, then JPEG', async () => {
    const {imageOps} = await import('../../src/training/run.js')
    const {augmentAtLevel, decodeImage, encodeJpeg} = await import('../../src/image/index.js')
    const w = 64
    const data = new Uint8Array(w * w * 3)
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data.set([x * 4, y * 4, (x * y) & 255], (y * w + x) * 3)
    const img = {data, width: w, height: w}
    for (const level of [0, 1, 2, 3] as const) {
      const viaTrain = await imageOps().challenge!(img, createRng(11), 32, 75, level)
      const direct = await decodeImage(await encodeJpeg((await augmentAtLevel(img, level, createRng(11), 32)).image, 75), {name: 'x'})
      expect(viaTrain.data).toEqual(direct.data)
    }
    expect((await imageOps().challenge!(img, createRng(11), 32, 75)).data).toEqual((await imageOps().challenge!(img, createRng(11), 32, 75, 1)).data)
  })
})
