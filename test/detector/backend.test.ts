import {describe, expect, it} from '@jest/globals'
import * as tf from '@tensorflow/tfjs'

import {currentBackend, resolveBackend} from '../../src/runtime/tfjs-backend.js'
import {conv2dFilterGrad} from '../../src/runtime/conv-grad.js'

type Case = {x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: 'valid' | 'same' | number}
const CASES: Case[] = [
  {x: [2, 9, 9, 3], f: [3, 3, 3, 5], stride: 1, pad: 1},
  {x: [2, 10, 10, 4], f: [3, 3, 4, 6], stride: 2, pad: 1},
  {x: [1, 8, 8, 6], f: [1, 1, 6, 4], stride: 2, pad: 0},
  {x: [1, 7, 7, 2], f: [3, 3, 2, 3], stride: 2, pad: 'same'},
]

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

describe('tfjs backend resolver and Conv2D gradient', () => {
  it('rejects unknown backends and a forced backend that is not installed', async () => {
    await expect(resolveBackend('tpu')).rejects.toThrow(/unknown backend "tpu"/)
    await expect(resolveBackend('tfjs-node-gpu')).rejects.toThrow(/not available.*npm install @tensorflow\/tfjs-node-gpu/)
  })

  it('computes the filter gradient with forward convs to 1e-5 of the cpu kernel, and on wasm', async () => {
    await resolveBackend('cpu')
    expect(currentBackend()).toBe('cpu')
    const inputs = CASES.map((c, i) => ({
      x: Array.from(tf.randomNormal(c.x, 0, 1, 'float32', i + 1).dataSync()),
      f: Array.from(tf.randomNormal(c.f, 0, 1, 'float32', i + 11).dataSync()),
    }))
    // reference: tfjs's own Conv2DBackpropFilter/Input kernels on cpu
    const refs = CASES.map((c, i) => {
      const x = tf.tensor4d(inputs[i]!.x, c.x), f = tf.tensor4d(inputs[i]!.f, c.f)
      const loss = (xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad).square().sum()
      const [gx, gf] = tf.grads(loss)([x, f])
      const y = tf.conv2d(x, f, c.stride, c.pad)
      const dy = y.mul(2) as tf.Tensor4D
      const mine = conv2dFilterGrad(x, dy, c.f, c.stride, c.pad)
      expect(maxAbsDiff(mine.dataSync(), gf!.dataSync())).toBeLessThan(1e-5 * Math.max(1, tf.abs(gf!).max().dataSync()[0]!))
      return {gx: Array.from(gx!.dataSync()), gf: Array.from(gf!.dataSync())}
    })

    expect(await resolveBackend('wasm')).toBe('wasm')
    CASES.forEach((c, i) => {
      const x = tf.tensor4d(inputs[i]!.x, c.x), f = tf.tensor4d(inputs[i]!.f, c.f)
      const [gx, gf] = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad).square().sum())([x, f])
      const scale = Math.max(1, ...refs[i]!.gf.map(Math.abs))
      expect(maxAbsDiff(gf!.dataSync(), refs[i]!.gf)).toBeLessThan(1e-5 * scale)
      expect(maxAbsDiff(gx!.dataSync(), refs[i]!.gx)).toBeLessThan(1e-5 * Math.max(1, ...refs[i]!.gx.map(Math.abs)))
    })
  })
})
