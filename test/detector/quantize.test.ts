import {describe, expect, it} from '@jest/globals'
import onnxPkg from 'onnx-proto'

import {createRng} from '../../src/config/random.js'
import {nprStateDictShapes} from '../../src/detector/npr-arch.js'
import {OnnxDetector} from '../../src/detector/onnx-detector.js'
import {buildNprOnnx} from '../../src/detector/onnx-export.js'
import {calibrateNpr, quantizeNprOnnx, uint8Params} from '../../src/detector/quantize.js'
import type {StateDict} from '../../src/detector/state-dict.js'
import type {RgbImage} from '../../src/image/index.js'

const {onnx} = onnxPkg

/** NPR weights with He-scaled random convolutions and BatchNorm statistics that keep activations in range. */
function randomStateDict(seed: number): StateDict {
  const rng = createRng(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng())
  const sd: StateDict = new Map()
  for (const [key, shape] of nprStateDictShapes()) {
    const n = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    const fanIn = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : shape[1] ?? 1
    for (let i = 0; i < n; i++) {
      if (key.endsWith('running_var')) data[i] = 0.5 + rng()
      else if (key.endsWith('running_mean') || key.endsWith('.bias')) data[i] = 0.1 * gauss()
      else if (key.endsWith('num_batches_tracked')) data[i] = 0
      else if (shape.length === 1) data[i] = 0.8 + 0.4 * rng() // BN weight
      else data[i] = gauss() * Math.sqrt(2 / fanIn)
    }
    sd.set(key, {shape, data})
  }
  return sd
}

/** Smooth images with a fine checker: NPR reads the 2×2 pixel pattern, so the logits depend on it. */
function images(n: number, size: number, seed: number): RgbImage[] {
  const rng = createRng(seed)
  return Array.from({length: n}, () => {
    const data = new Uint8Array(size * size * 3)
    const a = rng() * 6, b = rng() * 6, amp = rng() * 40
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
      const v = 128 + 80 * Math.sin((x * a + y * b) / size + c) + ((x + y) % 2 ? amp : -amp) * rng()
      data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)))
    }
    return {data, width: size, height: size}
  })
}

describe('int8 static quantization (QDQ)', () => {
  const size = 64
  const sd = randomStateDict(5)

  it('uint8 parameters keep zero exact and give ReLU ranges zero point 0', () => {
    const r = uint8Params({min: 0.5, max: 2.55})
    expect(r.scale).toBeCloseTo(0.01, 12)
    expect(r.zeroPoint).toBe(0)
    const p = uint8Params({min: -1, max: 3})
    expect(p.scale).toBeCloseTo(4 / 255, 12)
    expect(p.zeroPoint).toBe(64)
    expect(uint8Params({min: 0, max: 0})).toEqual({scale: 1, zeroPoint: 0})
  })

  it('writes int8 weights behind DequantizeLinear and scores close to the float model', async () => {
    const calib = images(16, size, 1)
    const ranges = await calibrateNpr(sd, calib, {inputSize: size})
    expect(ranges.size).toBe(1 + 7 * 4 + 2) // stem, 7 blocks × (relu1, relu2, conv3, out), 2 downsamples
    for (const r of ranges.values()) expect(r.max).toBeGreaterThan(r.min)
    expect(ranges.get('layer1.0.relu1')!.min).toBe(0)

    const bytes = quantizeNprOnnx(sd, ranges, {inputSize: size})
    const model = onnx.ModelProto.decode(bytes)
    const ops = model.graph!.node!.map((n) => n.opType)
    expect(ops.filter((o) => o === 'Conv').length).toBe(1 + 7 * 3 + 2)
    expect(model.graph!.initializer!.some((t) => t.name === 'conv1.weight.q')).toBe(false) // the stem stays float
    expect(ops.filter((o) => o === 'QuantizeLinear').length).toBe(ranges.size + 1) // + the max-pool output
    const w = model.graph!.initializer!.find((t) => t.name === 'layer2.3.conv3.weight.q')!
    expect(w.dataType).toBe(onnx.TensorProto.DataType.INT8)
    expect(model.metadataProps!.find((p) => p.key === 'bitmind.quantization')?.value).toBe('int8-qdq-static')

    const fp = await OnnxDetector.load(buildNprOnnx(sd, {inputSize: size}))
    const q8 = await OnnxDetector.load(bytes)
    try {
      const test = images(8, size, 2)
      const a = await fp.predict(test)
      const b = await q8.predict(test)
      const spread = Math.max(...a) - Math.min(...a)
      expect(spread).toBeGreaterThan(0.05) // the images are told apart, so the comparison means something
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(0.1 * spread)
      // and it is not the float model in disguise: int8 rounding moves every score a little
      expect(Math.max(...a.map((p, i) => Math.abs(p - b[i]!)))).toBeGreaterThan(1e-4)
    } finally {
      await fp.dispose()
      await q8.dispose()
    }
  })

  it('refuses to quantize without a range for every activation', () => {
    expect(() => quantizeNprOnnx(sd, new Map(), {inputSize: size})).toThrow(/no calibration range for stem.relu/)
  })
})
