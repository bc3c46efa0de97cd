/**
 * What computes a training step (the gradients of BCE-with-logits and the Adam update), the BatchNorm
 * recalibration and the validation scores. The trainer reads the network itself only to save it, so an engine may
 * keep the weights elsewhere (ONNX Runtime's, onnx-step.ts) as long as `flush` writes them back into the network.
 */
import * as tf from '@tensorflow/tfjs'

import type {RgbImage} from '../image/types.js'
import {Adam, type AdamOptions, type AdamState} from './adam.js'
import {toBatchTensor} from './samples.js'

export const ENGINES = ['onnx', 'tfjs'] as const
export type EngineName = (typeof ENGINES)[number]

export interface TrainableNet {
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor1D
  trainableVariables(): tf.Variable[]
}

export interface StepEngine {
  readonly name: EngineName
  /** Adam's learning rate for the next steps */
  lr: number
  /** one optimisation step on the batch; returns the batch loss */
  step(images: readonly RgbImage[], labels: readonly number[]): Promise<number>
  /** a forward pass in training mode that only moves the BatchNorm running statistics (their recalibration) */
  trackStatistics(images: readonly RgbImage[]): Promise<void>
  /** probabilities (eval mode) of the engine's current weights, for validation; images at the evaluation size */
  score(images: readonly RgbImage[]): Promise<number[]>
  /** write the engine's weights and BatchNorm statistics into the network (before it is saved) */
  flush(): void
  /**
   * Adam's step count and moments, keyed by the index of each trainable variable and shaped like it (tfjs layouts),
   * the same whichever engine wrote them, so a run may resume on the other engine.
   */
  getState(): Promise<AdamState>
  setState(state: AdamState): void
  dispose(): Promise<void>
}

export interface EngineOptions extends AdamOptions {
  /** accumulate gradients over micro-batches of this size (memory); default: the whole batch at once */
  microBatch?: number
}

/**
 * One optimisation step: BCE-with-logits on the batch, gradients, Adam. With `microBatch` smaller than the batch,
 * gradients are accumulated over micro-batches (each weighted by its share of the batch; BatchNorm then sees
 * micro-batch statistics), so large inputs fit in a backend's memory (wasm: 4 GiB). Returns the batch loss.
 */
export function trainStep(net: TrainableNet, vars: tf.Variable[], params: Map<string, tf.Variable>, adam: Adam, images: readonly RgbImage[], labels: readonly number[], microBatch?: number): number {
  const micro = microBatch && microBatch < images.length ? microBatch : images.length
  const acc: (tf.Tensor | undefined)[] = vars.map(() => undefined)
  let loss = 0
  for (let m = 0; m < images.length; m += micro) {
    const x = toBatchTensor(images.slice(m, m + micro))
    const y = tf.tensor1d(labels.slice(m, m + micro), 'float32')
    const share = x.shape[0] / images.length
    const {value, grads} = tf.variableGrads(
      () => tf.mul(tf.losses.sigmoidCrossEntropy(y, net.forward(x, true)), share) as tf.Scalar,
      vars,
    )
    loss += value.dataSync()[0]!
    vars.forEach((v, i) => {
      const g = grads[v.name]
      if (!g) return
      const prev = acc[i]
      acc[i] = prev ? tf.add(prev, g) : g
      if (prev) {
        prev.dispose()
        g.dispose()
      }
    })
    tf.dispose([x, y, value])
  }
  const byIndex: Record<string, tf.Tensor> = {}
  acc.forEach((g, i) => {
    if (g) byIndex[String(i)] = g
  })
  adam.apply(params, byIndex)
  tf.dispose(acc.filter((g): g is tf.Tensor => g !== undefined))
  return loss
}


/** Steps on tfjs: the network's own forward pass, tf.variableGrads, Adam on tfjs variables. */
export class TfjsStepEngine implements StepEngine {
  readonly name = 'tfjs'
  private readonly adam: Adam
  private readonly vars: tf.Variable[]
  private readonly params: Map<string, tf.Variable>

  constructor(private readonly net: TrainableNet, private readonly opts: EngineOptions = {}) {
    this.adam = new Adam(opts)
    this.vars = net.trainableVariables()
    this.params = new Map(this.vars.map((v, i) => [String(i), v]))
  }

  get lr(): number {
    return this.adam.lr
  }

  set lr(lr: number) {
    this.adam.lr = lr
  }

  async step(images: readonly RgbImage[], labels: readonly number[]): Promise<number> {
    return trainStep(this.net, this.vars, this.params, this.adam, images, labels, this.opts.microBatch)
  }

  async trackStatistics(images: readonly RgbImage[]): Promise<void> {
    const x = toBatchTensor(images)
    tf.tidy(() => {
      this.net.forward(x, true)
    })
    x.dispose()
  }

  async score(images: readonly RgbImage[]): Promise<number[]> {
    const x = toBatchTensor(images)
    const p = tf.tidy(() => tf.sigmoid(this.net.forward(x, false)))
    const out = Array.from(await p.data())
    tf.dispose([x, p])
    return out
  }

  flush(): void {}

  getState(): Promise<AdamState> {
    return this.adam.getState()
  }

  setState(state: AdamState): void {
    this.adam.setState(state)
  }

  async dispose(): Promise<void> {
    this.adam.dispose()
  }
}
