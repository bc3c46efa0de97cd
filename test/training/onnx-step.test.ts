import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import * as ort from 'onnxruntime-node'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {NprNet} from '../../src/detector/npr.js'
import type {RgbImage} from '../../src/image/types.js'
import {registerFastConv2dGrad} from '../../src/runtime/conv-grad.js'
import {buildNprTrainGraph, nprTrainableKeys} from '../../src/training/onnx-train-graph.js'
import {OnnxStepEngine} from '../../src/training/onnx-step.js'
import {TfjsStepEngine} from '../../src/training/step-engine.js'
import {toBatchTensor} from '../../src/training/samples.js'

const SIZE = 32

function images(n: number, seed: number, size = SIZE): RgbImage[] {
  let s = seed
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  return Array.from({length: n}, () => ({width: size, height: size, data: Uint8Array.from({length: size * size * 3}, () => Math.floor(rnd() * 256))}))
}

/** max |a − b| over max |b|: the gradient's error relative to its own scale */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let diff = 0, scale = 0
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return diff / (scale || 1)
}

/** tfjs layout → PyTorch's (conv HWIO → OIHW, fc [512,1] → [1,512]) */
function torchLayout(t: tf.Tensor): Float32Array {
  return tf.tidy(() => (t.rank === 4 ? t.transpose([3, 2, 0, 1]) : t.rank === 2 ? t.transpose() : t).dataSync() as Float32Array)
}

describe('NPR training step on ONNX Runtime', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true) // no "install the node backend" banner from the cpu backend
    await tf.setBackend('wasm')
    registerFastConv2dGrad()
  })
  afterAll(() => tf.disposeVariables())

  it('the graph gives tfjs\'s loss and every parameter\'s gradient', async () => {
    const net = new NprNet({seed: 3})
    const batch = images(2, 7)
    const labels = [0, 1]
    const sd = net.stateDict()
    const session = await ort.InferenceSession.create(buildNprTrainGraph(2, SIZE))
    const x = new Float32Array(2 * 3 * SIZE * SIZE)
    batch.forEach((im, n) => {
      for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) x[(n * 3 + c) * SIZE * SIZE + i] = im.data[i * 3 + c]! / 255
    })
    const feeds: Record<string, ort.Tensor> = {input: new ort.Tensor('float32', x, [2, 3, SIZE, SIZE]), label: new ort.Tensor('float32', Float32Array.from(labels), [2])}
    for (const [k, shape] of nprTrainableKeys()) feeds[k] = new ort.Tensor('float32', sd.get(k)!.data, shape)
    const out = await session.run(feeds)
    await session.release()

    const xt = toBatchTensor(batch)
    const vars = net.trainableVariables()
    const {value, grads} = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(tf.tensor1d(labels), net.forward(xt, true)) as tf.Scalar, vars)
    expect((out.loss!.data as Float32Array)[0]).toBeCloseTo(value.dataSync()[0]!, 5)
    const keys = nprTrainableKeys()
    expect(keys).toHaveLength(vars.length)
    const worst = keys.map(([k], i) => [k, relErr(out[`grad.${k}`]!.data as Float32Array, torchLayout(grads[vars[i]!.name]!))] as const)
    for (const [k, e] of worst) expect([k, e < 1e-3]).toEqual([k, true])
    tf.dispose([xt, value, ...Object.values(grads)])
  })
  /** Both engines from the same initial network on the same batch; what each left in the network. */
  async function runBoth(size: number, micro: number | undefined, steps: number, evaluate = false) {
    const batch = images(4, 11, size)
    const labels = [0, 1, 1, 0]
    // eps 1 makes Adam's step proportional to the gradient (not ~lr·sign(g)), so the weights compare the gradients
    const hyper = {lr: 1e-2, eps: 1, microBatch: micro}
    const results = []
    for (const make of [(n: NprNet) => new OnnxStepEngine(n, hyper), (n: NprNet) => new TfjsStepEngine(n, hyper)]) {
      const net = new NprNet({seed: 5})
      const before = net.stateDict()
      const engine = make(net)
      const losses: number[] = []
      for (let i = 0; i < steps; i++) losses.push(await engine.step(batch, labels))
      // validation scores of the trained weights, then a recalibration pass of the running statistics
      const scores = evaluate ? await engine.score(batch) : []
      if (evaluate) await engine.trackStatistics(batch)
      engine.flush()
      results.push({name: engine.name, losses, scores, before, after: net.stateDict(), state: await engine.getState()})
      await engine.dispose()
      net.dispose()
    }
    return results as [(typeof results)[0], (typeof results)[0]]
  }

  /** Parameters whose change, or running statistics whose value, differ between the two engines' networks. */
  function differing(onnx: Awaited<ReturnType<typeof runBoth>>[0], tfjs: Awaited<ReturnType<typeof runBoth>>[0], forwardPasses: number): Array<[string, number]> {
    const off: Array<[string, number]> = []
    for (const [k, v] of tfjs.after) {
      const o = onnx.after.get(k)!.data
      if (k.endsWith('num_batches_tracked')) {
        expect([k, o[0], v.data[0]]).toEqual([k, forwardPasses, forwardPasses])
        continue
      }
      const trained = !k.endsWith('running_mean') && !k.endsWith('running_var')
      const start = onnx.before.get(k)!.data
      const moved = (d: Float32Array) => (trained ? d.map((x, i) => x - start[i]!) : d)
      const e = relErr(moved(o), moved(v.data))
      // float32 roundoff of the two engines is ~1e-4 of a layer's scale; the wrong unbiasing of one BatchNorm is 3e-2
      if (!(e < 5e-3)) off.push([k, e])
    }
    return off
  }

  it('two steps (Adam, running statistics), scores and a recalibration pass agree with the tfjs engine; optimizer state in the same layout', async () => {
    await tf.setBackend('wasm')
    const [onnx, tfjs] = await runBoth(SIZE, undefined, 2, true)
    expect([onnx.name, tfjs.name]).toEqual(['onnx', 'tfjs'])
    expect(onnx.losses[0]).toBeCloseTo(tfjs.losses[0]!, 5)
    expect(onnx.losses[1]).toBeCloseTo(tfjs.losses[1]!, 5)
    expect(onnx.losses[1]).toBeLessThan(onnx.losses[0]!)
    expect(differing(onnx, tfjs, 3)).toEqual([])
    expect(onnx.scores).toHaveLength(4)
    onnx.scores.forEach((p, i) => expect(p).toBeCloseTo(tfjs.scores[i]!, 3))
    expect(new Set(onnx.scores.map((p) => p.toFixed(3))).size).toBeGreaterThan(1) // not one constant answer
    // a run saved by one engine resumes on the other
    expect(onnx.state.step).toBe(2)
    expect([...onnx.state.moments.keys()]).toEqual([...tfjs.state.moments.keys()])
    for (const [k, m] of tfjs.state.moments) {
      const o = onnx.state.moments.get(k)!
      expect(o.shape).toEqual(m.shape)
      expect(relErr(o.m, m.m)).toBeLessThan(1e-3)
      expect(relErr(o.v, m.v)).toBeLessThan(1e-2)
    }
    const net = new NprNet({seed: 5})
    const engine = new OnnxStepEngine(net)
    engine.setState(tfjs.state)
    expect(relErr((await engine.getState()).moments.get('0')!.m, tfjs.state.moments.get('0')!.m)).toBe(0)
    await engine.dispose()
    net.dispose()
  })

  it('micro-batches: gradients weighted by their share, statistics per micro-batch (against tfjs\'s cpu backend)', async () => {
    // the cpu backend is the float32 reference here; wasm's micro-batch steps drift ~1 % from both
    await tf.setBackend('cpu')
    const [onnx, tfjs] = await runBoth(16, 2, 1)
    expect(onnx.losses[0]).toBeCloseTo(tfjs.losses[0]!, 5)
    expect(differing(onnx, tfjs, 2)).toEqual([])
  })
})
