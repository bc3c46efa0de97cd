/**
 * Adam as PyTorch's `torch.optim.Adam` computes it (no weight decay, no amsgrad):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
 * Written here instead of tf.train.adam so the moments and the step count can be saved in a
 * resumable checkpoint and the learning rate changed between epochs.
 */
import * as tf from '@tensorflow/tfjs'

export interface AdamOptions {
  lr?: number
  beta1?: number
  beta2?: number
  eps?: number
}

export interface AdamState {
  step: number
  lr: number
  /** per parameter name: first and second moments */
  moments: Map<string, {shape: number[]; m: Float32Array; v: Float32Array}>
}

export class Adam {
  lr: number
  readonly beta1: number
  readonly beta2: number
  readonly eps: number
  step = 0
  private readonly m = new Map<string, tf.Variable>()
  private readonly v = new Map<string, tf.Variable>()

  constructor(opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-4
    this.beta1 = opts.beta1 ?? 0.9
    this.beta2 = opts.beta2 ?? 0.999
    this.eps = opts.eps ?? 1e-8
  }

  /** Apply one update. `grads` is keyed like `params` (by parameter name). */
  apply(params: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.step++
    const bc1 = 1 - this.beta1 ** this.step
    const bc2 = 1 - this.beta2 ** this.step
    tf.tidy(() => {
      for (const [name, p] of params) {
        const g = grads[name]
        if (!g) continue
        let m = this.m.get(name), v = this.v.get(name)
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(p), false)
          v = tf.variable(tf.zerosLike(p), false)
          this.m.set(name, m)
          this.v.set(name, v)
        }
        const m1 = m.mul(this.beta1).add(g.mul(1 - this.beta1))
        const v1 = v.mul(this.beta2).add(g.square().mul(1 - this.beta2))
        m.assign(m1)
        v.assign(v1)
        const denom = v1.sqrt().div(Math.sqrt(bc2)).add(this.eps)
        p.assign(p.sub(m1.div(denom).mul(this.lr / bc1)))
      }
    })
  }

  async getState(): Promise<AdamState> {
    const moments: AdamState['moments'] = new Map()
    for (const [name, m] of this.m) {
      const v = this.v.get(name)!
      moments.set(name, {shape: m.shape, m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array})
    }
    return {step: this.step, lr: this.lr, moments}
  }

  setState(state: AdamState): void {
    this.dispose()
    this.step = state.step
    this.lr = state.lr
    for (const [name, {shape, m, v}] of state.moments) {
      this.m.set(name, tf.variable(tf.tensor(m, shape), false))
      this.v.set(name, tf.variable(tf.tensor(v, shape), false))
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose()
    this.m.clear()
    this.v.clear()
  }
}

/**
 * The same update on plain arrays, in place (the ONNX Runtime engine's parameters live outside tfjs). `step` is the
 * step being taken, counted from 1. Computed in float64 and stored in float32, as tfjs's float32 ops round each term.
 */
export function adamUpdateInPlace(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: number, o: Required<AdamOptions>): void {
  const bc1 = 1 - o.beta1 ** step
  const sqrtBc2 = Math.sqrt(1 - o.beta2 ** step)
  const stepSize = o.lr / bc1
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!
    const mi = (m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi)
    const vi = (v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi)
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + o.eps)
  }
}

/** BitMind's schedule: lr × 0.9 every `every` epochs, never below `floor`. `epoch` counts from 0. */
export function scheduledLr(baseLr: number, epoch: number, every = 20, factor = 0.9, floor = 1e-6): number {
  if (every <= 0) return baseLr
  return Math.max(floor, baseLr * factor ** Math.floor(epoch / every))
}
