/**
 * The NPR detector (Tan et al., CVPR 2024) as BitMind ships it: a ResNet-50 cut after layer2, fed the neighbouring
 * pixel relationships of the input. Parameters keep PyTorch's state_dict names so weights map one to one.
 * Input: NHWC float32, x/255, even height and width.
 */
import * as tf from '@tensorflow/tfjs'

import {nprBlocks, nprLayout, nprStateDictShapes, type BlockDef} from './npr-arch.js'
import {StateDictMismatchError, sameShape, type StateDict} from './state-dict.js'

const BN_EPS = 1e-5
const BN_MOMENTUM = 0.1

export {nprBlocks, nprStateDictShapes} from './npr-arch.js'

/** NPR = x − up2(down2(x)), nearest both ways: each pixel minus the top-left pixel of its 2×2 block. */
export function nprResidual(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape
    if (h % 2 !== 0 || w % 2 !== 0) throw new RangeError(`NPR needs even height and width, got ${h}x${w}`)
    const blocks = x.reshape([n * h / 2, 2, w / 2, 2 * c])
    const top = blocks.slice([0, 0, 0, 0], [-1, 1, -1, c]) // the top-left pixel of each block
    const anchor = tf.concat([top, top], 3) // repeat across the block's two columns
    return blocks.sub(anchor).reshape([n, h, w, c]) as tf.Tensor4D
  })
}

interface Bn {
  gamma: tf.Variable
  beta: tf.Variable
  mean: tf.Variable
  variance: tf.Variable
  tracked: number
}

export interface NprNetOptions {
  /** seed for the initial weights (Kaiming normal, fan_out, as upstream; PyTorch's default init for fc1) */
  seed?: number
}

export class NprNet {
  readonly name = 'npr'
  private readonly convs = new Map<string, tf.Variable>() // HWIO
  private readonly bns = new Map<string, Bn>()
  private readonly fcW: tf.Variable // [512, 1]
  private readonly fcB: tf.Variable // [1]
  private disposed = false

  constructor(opts: NprNetOptions = {}) {
    let seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31)
    const nextSeed = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (const d of nprLayout()) {
      if (d.kind === 'conv') {
        const std = Math.sqrt(2 / (d.outC * d.k * d.k))
        this.convs.set(d.key, tf.variable(tf.randomNormal([d.k, d.k, d.inC, d.outC], 0, std, 'float32', nextSeed()), true))
      } else if (d.kind === 'bn') {
        this.bns.set(d.key, {
          gamma: tf.variable(tf.ones([d.c]), true),
          beta: tf.variable(tf.zeros([d.c]), true),
          mean: tf.variable(tf.zeros([d.c]), false),
          variance: tf.variable(tf.ones([d.c]), false),
          tracked: 0,
        })
      }
    }
    const bound = 1 / Math.sqrt(512)
    this.fcW = tf.variable(tf.randomUniform([512, 1], -bound, bound, 'float32', nextSeed()), true)
    this.fcB = tf.variable(tf.randomUniform([1], -bound, bound, 'float32', nextSeed()), true)
  }

  /** Weights and BN affine parameters, in state_dict order (running statistics are buffers, not trained). */
  trainableVariables(): tf.Variable[] {
    const out: tf.Variable[] = []
    for (const d of nprLayout()) {
      if (d.kind === 'conv') out.push(this.convs.get(d.key)!)
      else if (d.kind === 'bn') out.push(this.bns.get(d.key)!.gamma, this.bns.get(d.key)!.beta)
    }
    out.push(this.fcW, this.fcB)
    return out
  }

  parameterCount(): number {
    return this.trainableVariables().reduce((s, v) => s + v.size, 0)
  }

  private conv(x: tf.Tensor4D, key: string, stride: number, pad: number): tf.Tensor4D {
    // PyTorch's symmetric padding (not tfjs 'same', which pads only bottom/right for stride 2 on even inputs)
    return tf.conv2d(x, this.convs.get(key)! as tf.Tensor4D, stride, pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]])
  }

  private bn(x: tf.Tensor4D, key: string, training: boolean): tf.Tensor4D {
    const p = this.bns.get(key)!
    if (!training) return tf.batchNorm4d(x, p.mean as tf.Tensor1D, p.variance as tf.Tensor1D, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, BN_EPS)
    const {mean, variance} = tf.moments(x, [0, 1, 2])
    const n = x.size / x.shape[3]
    // running stats follow PyTorch: momentum 0.1, unbiased variance; they are buffers, never differentiated
    tf.tidy(() => {
      p.mean.assign(p.mean.mul(1 - BN_MOMENTUM).add(mean.mul(BN_MOMENTUM)))
      p.variance.assign(p.variance.mul(1 - BN_MOMENTUM).add(variance.mul((BN_MOMENTUM * n) / Math.max(1, n - 1))))
    })
    p.tracked += 1
    return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, BN_EPS)
  }

  private bottleneck(x: tf.Tensor4D, b: BlockDef, training: boolean): tf.Tensor4D {
    const p = b.prefix
    let out = tf.relu(this.bn(this.conv(x, `${p}.conv1`, 1, 0), `${p}.bn1`, training))
    out = tf.relu(this.bn(this.conv(out, `${p}.conv2`, b.stride, 1), `${p}.bn2`, training))
    out = this.bn(this.conv(out, `${p}.conv3`, 1, 0), `${p}.bn3`, training)
    const identity = b.downsample ? this.bn(this.conv(x, `${p}.downsample.0`, b.stride, 0), `${p}.downsample.1`, training) : x
    return tf.relu(out.add(identity)) as tf.Tensor4D
  }

  /** Logits, one per image. training=true uses batch statistics and updates the BN running statistics. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor1D {
    if (this.disposed) throw new Error('NprNet used after dispose()')
    return tf.tidy(() => {
      let h = nprResidual(x).mul(2 / 3) as tf.Tensor4D
      h = tf.relu(this.bn(this.conv(h, 'conv1', 2, 1), 'bn1', training))
      h = tf.maxPool(h, 3, 2, [[0, 0], [1, 1], [1, 1], [0, 0]] as unknown as number)
      for (const b of nprBlocks()) h = this.bottleneck(h, b, training)
      const pooled = h.mean([1, 2]) as tf.Tensor2D
      return pooled.matMul(this.fcW as tf.Tensor2D).add(this.fcB).reshape([-1]) as tf.Tensor1D
    })
  }

  /** Probabilities in eval mode. */
  async predictProbabilities(x: tf.Tensor4D): Promise<number[]> {
    const p = tf.tidy(() => tf.sigmoid(this.forward(x, false)))
    const out = Array.from(await p.data())
    p.dispose()
    return out
  }

  stateDict(): StateDict {
    const sd: StateDict = new Map()
    const put = (key: string, t: tf.Tensor, shape: number[]) => sd.set(key, {shape, data: Float32Array.from(t.dataSync() as Float32Array)})
    for (const d of nprLayout()) {
      if (d.kind === 'conv') {
        const w = this.convs.get(d.key)!
        tf.tidy(() => {
          put(`${d.key}.weight`, w.transpose([3, 2, 0, 1]), [d.outC, d.inC, d.k, d.k])
        })
      } else if (d.kind === 'bn') {
        const p = this.bns.get(d.key)!
        put(`${d.key}.weight`, p.gamma, [d.c])
        put(`${d.key}.bias`, p.beta, [d.c])
        put(`${d.key}.running_mean`, p.mean, [d.c])
        put(`${d.key}.running_var`, p.variance, [d.c])
        sd.set(`${d.key}.num_batches_tracked`, {shape: [], data: Float32Array.of(p.tracked)})
      }
    }
    tf.tidy(() => {
      put('fc1.weight', this.fcW.transpose(), [1, 512])
    })
    put('fc1.bias', this.fcB, [1])
    return sd
  }

  /**
   * Load PyTorch-named weights. strict (default): every key present with the right shape and nothing extra,
   * else StateDictMismatchError listing what is missing, unexpected or misshapen.
   */
  loadStateDict(sd: StateDict, opts: {strict?: boolean} = {}): void {
    const strict = opts.strict ?? true
    const expected = new Map(nprStateDictShapes())
    const missing = [...expected.keys()].filter((k) => !sd.has(k))
    const unexpected = [...sd.keys()].filter((k) => !expected.has(k))
    const wrongShape = [...expected].filter(([k, s]) => sd.has(k) && !sameShape(sd.get(k)!.shape, s))
      .map(([k, s]) => `${k} (expected [${s.join(', ')}], got [${sd.get(k)!.shape.join(', ')}])`)
    if (wrongShape.length || (strict && (missing.length || unexpected.length))) throw new StateDictMismatchError(missing, unexpected, wrongShape)
    const get = (k: string) => sd.get(k)
    const assign = (v: tf.Variable, k: string, shape: number[], perm?: number[]) => {
      const e = get(k)
      if (!e) return
      tf.tidy(() => {
        let t: tf.Tensor = tf.tensor(e.data, shape, 'float32')
        if (perm) t = t.transpose(perm)
        v.assign(t)
      })
    }
    for (const d of nprLayout()) {
      if (d.kind === 'conv') assign(this.convs.get(d.key)!, `${d.key}.weight`, [d.outC, d.inC, d.k, d.k], [2, 3, 1, 0])
      else if (d.kind === 'bn') {
        const p = this.bns.get(d.key)!
        assign(p.gamma, `${d.key}.weight`, [d.c])
        assign(p.beta, `${d.key}.bias`, [d.c])
        assign(p.mean, `${d.key}.running_mean`, [d.c])
        assign(p.variance, `${d.key}.running_var`, [d.c])
        const t = get(`${d.key}.num_batches_tracked`)
        if (t) p.tracked = t.data[0] ?? 0
      }
    }
    assign(this.fcW, 'fc1.weight', [1, 512], [1, 0])
    assign(this.fcB, 'fc1.bias', [1])
  }

  /** A net holding these weights (strict); a mismatch is an error naming `source`, and leaves no net allocated. */
  static fromStateDict(sd: StateDict, source: string): NprNet {
    const net = new NprNet({seed: 0})
    try {
      net.loadStateDict(sd, {strict: true})
    } catch (err) {
      net.dispose()
      throw new Error(`${source}: ${(err as Error).message}`)
    }
    return net
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const v of this.convs.values()) v.dispose()
    for (const p of this.bns.values()) [p.gamma, p.beta, p.mean, p.variance].forEach((v) => v.dispose())
    this.fcW.dispose()
    this.fcB.dispose()
  }
}
