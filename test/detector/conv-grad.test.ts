import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import {beforeAll, describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {conv2dFilterGrad, conv2dInputGrad, registerFastConv2dGrad} from '../../src/runtime/conv-grad.js'

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]]
const CASES: {name: string; x: [number, number, number, number]; k: number; ci: number; co: number; s: number; pad: Pad}[] = [
  {name: '3×3 s1 explicit pad 1', x: [2, 9, 8, 3], k: 3, ci: 3, co: 4, s: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]]},
  {name: '3×3 s2 pad 1 (NPR stem), even size', x: [2, 10, 12, 3], k: 3, ci: 3, co: 5, s: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]]},
  {name: '3×3 s2 pad 1, odd size', x: [1, 11, 9, 2], k: 3, ci: 2, co: 3, s: 2, pad: 1},
  {name: '3×3 s2 same, odd size', x: [2, 7, 7, 2], k: 3, ci: 2, co: 3, s: 2, pad: 'same'},
  {name: '3×3 s2 valid', x: [2, 9, 8, 2], k: 3, ci: 2, co: 3, s: 2, pad: 'valid'},
  {name: '1×1 s1', x: [2, 6, 5, 4], k: 1, ci: 4, co: 6, s: 1, pad: 'valid'},
  {name: '1×1 s2 (downsample), odd size', x: [2, 7, 6, 4], k: 1, ci: 4, co: 6, s: 2, pad: 'valid'},
]

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed)
  return tf.tensor(Float32Array.from({length: shape.reduce((a, b) => a * b)}, () => rng() * 2 - 1), shape)
}

describe('Conv2D gradient from forward kernels', () => {
  const ref = new Map<string, {dx: Float32Array; dw: Float32Array}>()
  beforeAll(async () => {
    // reference: tfjs's own Conv2D gradient on the cpu backend, before anything re-registers it (test mode: no banner)
    tf.env().set('IS_TEST', true)
    await tf.setBackend('cpu')
    for (const [i, c] of CASES.entries()) {
      const x = rand(c.x, i) as tf.Tensor4D, w = rand([c.k, c.k, c.ci, c.co], 100 + i) as tf.Tensor4D
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad).square().sum().mul(0.5))([x, w])
      ref.set(c.name, {dx: g[0]!.dataSync() as Float32Array, dw: g[1]!.dataSync() as Float32Array})
    }
  })

  for (const [i, c] of CASES.entries()) {
    it(`matches the cpu kernel: ${c.name}`, async () => {
      await tf.setBackend('cpu')
      const x = rand(c.x, i) as tf.Tensor4D, w = rand([c.k, c.k, c.ci, c.co], 100 + i) as tf.Tensor4D
      const dy = tf.conv2d(x, w, c.s, c.pad) // d(½ y²)/dy = y
      const dx = conv2dInputGrad(dy, w, c.x, c.s, c.pad)
      const dw = conv2dFilterGrad(x, dy, [c.k, c.k, c.ci, c.co], c.s, c.pad)
      expect(dx.shape).toEqual(c.x)
      const r = ref.get(c.name)!
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k]!)), 0)
      expect(maxDiff(dx.dataSync() as Float32Array, r.dx)).toBeLessThan(1e-4)
      expect(maxDiff(dw.dataSync() as Float32Array, r.dw)).toBeLessThan(1e-4)
    })
  }

  it('registered on wasm (which has no Conv2DBackpropFilter), tf.grads agrees with the cpu reference', async () => {
    await tf.setBackend('wasm')
    registerFastConv2dGrad()
    for (const [i, c] of CASES.entries()) {
      const x = rand(c.x, i) as tf.Tensor4D, w = rand([c.k, c.k, c.ci, c.co], 100 + i) as tf.Tensor4D
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad).square().sum().mul(0.5))([x, w])
      const r = ref.get(c.name)!
      const d = g[1]!.dataSync()
      for (let k = 0; k < d.length; k++) expect(Math.abs(d[k]! - r.dw[k]!)).toBeLessThan(1e-3)
      const dx = g[0]!.dataSync()
      for (let k = 0; k < dx.length; k++) expect(Math.abs(dx[k]! - r.dx[k]!)).toBeLessThan(1e-3)
    }
  })
})
