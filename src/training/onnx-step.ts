/**
 * NPR's training steps on ONNX Runtime (the graph of onnx-train-graph.ts, every CPU core), with Adam and the
 * BatchNorm running statistics kept here in TypeScript on plain float32 arrays; validation scores come from the
 * ONNX export of the current weights. The tfjs network is what the trainer saves; `flush` writes the weights into
 * it.
 */
import * as ort from 'onnxruntime-node'

import type {NprNet} from '../detector/npr.js'
import {buildNprOnnx} from '../detector/onnx-export.js'
import {OnnxDetector} from '../detector/onnx-detector.js'
import type {StateDict} from '../detector/state-dict.js'
import {writeNCHW, type RgbImage} from '../image/index.js'
import {openOnnxSession} from '../runtime/onnx-session.js'
import {adamUpdateInPlace, type AdamState} from './adam.js'
import {buildNprTrainGraph, nprBatchNorms, nprTrainableKeys} from './onnx-train-graph.js'
import type {EngineOptions, StepEngine} from './step-engine.js'

const BN_MOMENTUM = 0.1

interface Moments {
  m: Float32Array
  v: Float32Array
}

/** OIHW (PyTorch) ↔ HWIO (tfjs) for a k×k convolution weight; fc1's [1,512] ↔ [512,1] keeps its order. */
function oihwToHwio(src: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(src.length)
  for (let a = 0; a < o!; a++) for (let b = 0; b < i!; b++) for (let y = 0; y < kh!; y++) for (let x = 0; x < kw!; x++) {
    out[((y * kw! + x) * i! + b) * o! + a] = src[((a * i! + b) * kh! + y) * kw! + x]!
  }
  return out
}

function hwioToOihw(src: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(src.length)
  for (let a = 0; a < o!; a++) for (let b = 0; b < i!; b++) for (let y = 0; y < kh!; y++) for (let x = 0; x < kw!; x++) {
    out[((a * i! + b) * kh! + y) * kw! + x] = src[((y * kw! + x) * i! + b) * o! + a]!
  }
  return out
}

function tfjsShape(shape: number[]): number[] {
  if (shape.length === 4) return [shape[2]!, shape[3]!, shape[1]!, shape[0]!]
  if (shape.length === 2) return [shape[1]!, shape[0]!]
  return shape
}

export interface OnnxStepOptions extends EngineOptions {
  /** ONNX Runtime intra-op threads (default: every core) */
  threads?: number
}

export class OnnxStepEngine implements StepEngine {
  readonly name = 'onnx'
  lr: number
  private readonly keys = nprTrainableKeys()
  private readonly norms = nprBatchNorms()
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>()
  private state: StateDict = new Map()
  private moments = new Map<string, Moments>()
  private steps = 0
  /** the eval-mode graph of the current weights (what `bitmind mine` would serve), rebuilt after they change */
  private evaluator?: {size: number; detector: OnnxDetector}
  private evaluatorStale = true

  constructor(private readonly net: NprNet, private readonly opts: OnnxStepOptions = {}) {
    this.lr = opts.lr ?? 1e-4
    this.reload()
  }

  /** take the network's weights and statistics */
  private reload(): void {
    this.state = this.net.stateDict()
    this.evaluatorStale = true
  }

  flush(): void {
    this.net.loadStateDict(this.state)
  }

  private session(n: number, h: number, w: number): Promise<ort.InferenceSession> {
    const key = `${n}x${h}x${w}`
    let s = this.sessions.get(key)
    if (!s) {
      s = openOnnxSession(buildNprTrainGraph(n, h, w), {label: `NPR training step ${key}`, memPattern: false, ...(this.opts.threads ? {threads: this.opts.threads} : {})})
      this.sessions.set(key, s)
    }
    return s
  }

  async step(images: readonly RgbImage[], labels: readonly number[]): Promise<number> {
    if (images.length === 0) throw new RangeError('a training step needs at least one image')
    const micro = this.opts.microBatch && this.opts.microBatch < images.length ? this.opts.microBatch : images.length
    const grads = new Map<string, Float32Array>()
    let loss = 0
    for (let m = 0; m < images.length; m += micro) {
      const part = images.slice(m, m + micro)
      const share = part.length / images.length
      const out = await this.run(part, labels.slice(m, m + micro))
      loss += (out.loss!.data as Float32Array)[0]! * share
      for (const [k] of this.keys) {
        const g = out[`grad.${k}`]!.data as Float32Array
        const acc = grads.get(k)
        if (!acc) grads.set(k, share === 1 ? g : g.map((x) => x * share))
        else for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]! * share
      }
      this.updateRunningStatistics(out)
    }
    this.steps++
    this.evaluatorStale = true
    const hyper = {lr: this.lr, beta1: this.opts.beta1 ?? 0.9, beta2: this.opts.beta2 ?? 0.999, eps: this.opts.eps ?? 1e-8}
    for (const [k] of this.keys) {
      const p = this.state.get(k)!.data
      let mom = this.moments.get(k)
      if (!mom) this.moments.set(k, (mom = {m: new Float32Array(p.length), v: new Float32Array(p.length)}))
      adamUpdateInPlace(p, grads.get(k)!, mom.m, mom.v, this.steps, hyper)
    }
    return loss
  }

  private async run(images: readonly RgbImage[], labels: readonly number[]): Promise<ort.InferenceSession.OnnxValueMapType> {
    const {width: w, height: h} = images[0]!
    const n = images.length
    const batch = new Float32Array(n * 3 * h * w)
    images.forEach((im, i) => {
      if (im.width !== w || im.height !== h) throw new RangeError(`mixed sizes in a training batch: ${w}x${h} and ${im.width}x${im.height}`)
      writeNCHW(batch, i, im)
    })
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', batch, [n, 3, h, w]),
      label: new ort.Tensor('float32', Float32Array.from(labels), [n]),
    }
    for (const [k, shape] of this.keys) feeds[k] = new ort.Tensor('float32', this.state.get(k)!.data, shape)
    return (await this.session(n, h, w)).run(feeds)
  }

  /** Running statistics as PyTorch keeps them: momentum 0.1, unbiased variance, one count per forward pass. */
  private updateRunningStatistics(out: ort.InferenceSession.OnnxValueMapType): void {
    for (const [bn] of this.norms) {
      const mean = out[`mean.${bn}`]!.data as Float32Array
      const variance = out[`var.${bn}`]!.data as Float32Array
      const rm = this.state.get(`${bn}.running_mean`)!.data
      const rv = this.state.get(`${bn}.running_var`)!.data
      for (let c = 0; c < rm.length; c++) {
        rm[c] = (1 - BN_MOMENTUM) * rm[c]! + BN_MOMENTUM * mean[c]!
        rv[c] = (1 - BN_MOMENTUM) * rv[c]! + BN_MOMENTUM * variance[c]!
      }
      this.state.get(`${bn}.num_batches_tracked`)!.data[0]! += 1
    }
  }

  async trackStatistics(images: readonly RgbImage[]): Promise<void> {
    const micro = this.opts.microBatch && this.opts.microBatch < images.length ? this.opts.microBatch : images.length
    for (let m = 0; m < images.length; m += micro) {
      const part = images.slice(m, m + micro)
      this.updateRunningStatistics(await this.run(part, part.map(() => 0)))
    }
    this.evaluatorStale = true
  }

  async score(images: readonly RgbImage[]): Promise<number[]> {
    if (images.length === 0) return []
    const size = images[0]!.width
    if (!this.evaluator || this.evaluatorStale || this.evaluator.size !== size) {
      await this.evaluator?.detector.dispose()
      this.evaluator = undefined
      const detector = await OnnxDetector.load(buildNprOnnx(this.state, {inputSize: size}), {name: 'NPR under training'})
      this.evaluator = {size, detector}
      this.evaluatorStale = false
    }
    return this.evaluator.detector.predict([...images])
  }

  async getState(): Promise<AdamState> {
    const moments: AdamState['moments'] = new Map()
    this.keys.forEach(([k, shape], i) => {
      const mom = this.moments.get(k)
      if (!mom) return
      const convert = shape.length === 4 ? (a: Float32Array) => oihwToHwio(a, shape) : (a: Float32Array) => Float32Array.from(a)
      moments.set(String(i), {shape: tfjsShape(shape), m: convert(mom.m), v: convert(mom.v)})
    })
    return {step: this.steps, lr: this.lr, moments}
  }

  setState(state: AdamState): void {
    this.steps = state.step
    this.lr = state.lr
    this.moments = new Map()
    this.keys.forEach(([k, shape], i) => {
      const saved = state.moments.get(String(i))
      if (!saved) return
      const size = shape.reduce((a, b) => a * b, 1)
      if (saved.m.length !== size || saved.v.length !== size) throw new RangeError(`optimizer moments of ${k} hold ${saved.m.length} values, the network's parameter ${size}`)
      const convert = shape.length === 4 ? (a: Float32Array) => hwioToOihw(a, shape) : (a: Float32Array) => Float32Array.from(a)
      this.moments.set(k, {m: convert(saved.m), v: convert(saved.v)})
    })
  }

  async dispose(): Promise<void> {
    await this.evaluator?.detector.dispose()
    this.evaluator = undefined
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of await Promise.allSettled(sessions)) if (s.status === 'fulfilled') await s.value.release()
  }
}
