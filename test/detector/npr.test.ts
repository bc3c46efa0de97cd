import {beforeAll, describe, expect, it} from '@jest/globals'
import * as tf from '@tensorflow/tfjs'

import {resolveBackend} from '../../src/runtime/tfjs-backend.js'
import {NprNet, nprResidual, nprStateDictShapes} from '../../src/detector/npr.js'
import {StateDictMismatchError} from '../../src/detector/state-dict.js'

beforeAll(async () => {
  await resolveBackend('wasm')
})

function randomInput(n: number, s: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, s, s, 3], 0, 1, 'float32', seed) as tf.Tensor4D
}

describe('NprNet', () => {
  it('has the upstream state_dict: 146 keys, 1,437,761 parameters', () => {
    const shapes = nprStateDictShapes()
    expect(shapes).toHaveLength(146)
    expect(shapes[0]).toEqual(['conv1.weight', [64, 3, 3, 3]])
    expect(shapes.map(([k]) => k)).toContain('layer2.0.downsample.0.weight')
    expect(shapes.map(([k]) => k)).not.toContain('layer3.0.conv1.weight')
    const net = new NprNet({seed: 1})
    expect(net.parameterCount()).toBe(1_437_761)
    const sd = net.stateDict()
    expect([...sd.keys()]).toEqual(shapes.map(([k]) => k))
    expect(sd.get('layer2.0.conv2.weight')!.shape).toEqual([128, 128, 3, 3])
    net.dispose()
  })

  it('NPR subtracts the top-left pixel of each 2×2 block', () => {
    const x = randomInput(2, 6, 3)
    const got = nprResidual(x).arraySync()
    const xs = x.arraySync()
    for (let n = 0; n < 2; n++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) for (let c = 0; c < 3; c++) {
      const want = xs[n]![i]![j]![c]! - xs[n]![i - (i % 2)]![j - (j % 2)]![c]!
      expect(got[n]![i]![j]![c]!).toBeCloseTo(want, 6)
    }
    expect(() => nprResidual(tf.zeros([1, 5, 6, 3]))).toThrow(/even/)
    x.dispose()
  })

  it('round-trips its state_dict (PyTorch layouts) and checks keys and shapes strictly', () => {
    const a = new NprNet({seed: 11})
    const b = new NprNet({seed: 12})
    const x = randomInput(1, 32, 5)
    const ya = a.forward(x, false).dataSync()[0]!
    expect(b.forward(x, false).dataSync()[0]!).not.toBeCloseTo(ya, 4)
    const sd = a.stateDict()
    b.loadStateDict(sd)
    expect(b.forward(x, false).dataSync()[0]!).toBeCloseTo(ya, 5)

    const broken = new Map(sd)
    broken.delete('layer1.2.bn3.running_var')
    broken.set('layer3.0.conv1.weight', {shape: [1], data: new Float32Array(1)})
    broken.set('fc1.weight', {shape: [2, 512], data: new Float32Array(1024)})
    let err: unknown
    try {
      b.loadStateDict(broken)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StateDictMismatchError)
    const msg = (err as Error).message
    expect(msg).toContain('missing keys: layer1.2.bn3.running_var')
    expect(msg).toContain('unexpected keys: layer3.0.conv1.weight')
    expect(msg).toContain('fc1.weight (expected [1, 512], got [2, 512])')
    // non-strict tolerates missing/unexpected keys but never wrong shapes
    const partial = new Map(sd)
    partial.delete('fc1.bias')
    expect(() => b.loadStateDict(partial, {strict: false})).not.toThrow()
    expect(() => b.loadStateDict(partial)).toThrow(/missing keys: fc1.bias/)
    a.dispose()
    b.dispose()
    x.dispose()
  })

  it('training mode normalises with batch statistics and updates running stats as PyTorch does', () => {
    const net = new NprNet({seed: 2})
    const x = randomInput(2, 16, 9)
    const sd0 = net.stateDict()
    // bn1 sees conv1(NPR·2/3) with PyTorch padding 1, stride 2
    const w = tf.tensor(sd0.get('conv1.weight')!.data, [64, 3, 3, 3]).transpose([2, 3, 1, 0]) as tf.Tensor4D
    const c = tf.conv2d(nprResidual(x).mul(2 / 3) as tf.Tensor4D, w, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    expect(c.shape).toEqual([2, 8, 8, 64])
    const {mean, variance} = tf.moments(c, [0, 1, 2])
    const n = 2 * 8 * 8
    const m = mean.dataSync(), v = variance.dataSync()

    net.forward(x, true).dispose()
    const sd1 = net.stateDict()
    const rm = sd1.get('bn1.running_mean')!.data, rv = sd1.get('bn1.running_var')!.data
    for (let i = 0; i < 64; i++) {
      expect(rm[i]!).toBeCloseTo(0.1 * m[i]!, 5)
      expect(rv[i]!).toBeCloseTo(0.9 + 0.1 * v[i]! * n / (n - 1), 5)
    }
    expect(sd1.get('bn1.num_batches_tracked')!.data[0]).toBe(1)
    // eval mode leaves them alone
    net.forward(x, false).dispose()
    expect(net.stateDict().get('bn1.running_mean')!.data).toEqual(rm)
    tf.dispose([w, c, mean, variance, x])
    net.dispose()
  })

  it('gives gradients for every trainable variable', () => {
    const net = new NprNet({seed: 4})
    const x = randomInput(2, 16, 10)
    const y = tf.tensor1d([0, 1])
    const vars = net.trainableVariables()
    expect(vars.reduce((s, v) => s + v.size, 0)).toBe(1_437_761)
    const {value, grads} = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(y, net.forward(x, true)) as tf.Scalar, vars)
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true)
    for (const v of vars) {
      const g = grads[v.name]!
      expect(g.shape).toEqual(v.shape)
    }
    const gConv1 = grads[vars[0]!.name]!
    expect(tf.abs(gConv1).max().dataSync()[0]!).toBeGreaterThan(0)
    tf.dispose([x, y, value, ...Object.values(grads)])
    net.dispose()
  })
})
