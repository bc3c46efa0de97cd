/**
 * NPR's training step as one ONNX graph, for ONNX Runtime's multi-threaded CPU kernels: the forward pass in
 * training mode (batch statistics), BCE-with-logits, and the backward pass written out with standard ONNX ops
 * (Conv/ConvTranspose/MatMul for the convolutions' gradients, ScatterElements for the max-pool's). The weights are
 * graph inputs under their state_dict names and PyTorch layouts, so one session serves every step; the
 * optimiser and the running statistics stay in TypeScript (onnx-step.ts).
 *
 * Inputs: `input` [N,3,H,W] (x/255), `label` [N], every trainable parameter. Outputs: `loss`, `logit`,
 * `grad.<key>` per parameter, `mean.<bn>` / `var.<bn>` (the batch's mean and unbiased variance) per BatchNorm.
 */
import onnxPkg from 'onnx-proto'

import {nprBlocks, nprLayout} from '../detector/npr-arch.js'
import {GraphBuilder, valueInfo} from '../detector/onnx-graph.js'

const {onnx} = onnxPkg
const BN_EPS = 1e-5
const BIG = 2 ** 31 - 1

/** NCHW with the batch fixed by the graph. */
interface Act {
  name: string
  c: number
  h: number
  w: number
}

/** The trainable parameters in the order of NprNet.trainableVariables(), with their PyTorch shapes. */
export function nprTrainableKeys(): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = []
  for (const d of nprLayout()) {
    if (d.kind === 'conv') out.push([`${d.key}.weight`, [d.outC, d.inC, d.k, d.k]])
    else if (d.kind === 'bn') out.push([`${d.key}.weight`, [d.c]], [`${d.key}.bias`, [d.c]])
    else out.push(['fc1.weight', [1, 512]], ['fc1.bias', [1]])
  }
  return out
}

/** BatchNorm layers (state_dict prefix, channels) in layout order. */
export function nprBatchNorms(): Array<[string, number]> {
  return nprLayout().flatMap((d) => (d.kind === 'bn' ? [[d.key, d.c] as [string, number]] : []))
}

class TrainGraph {
  readonly g = new GraphBuilder()
  private readonly grads = new Map<string, string>()
  private readonly tape: Array<() => void> = []
  private readonly consts = new Map<string, string>()
  readonly outputs: string[] = []

  constructor(readonly n: number) {}

  scalar(v: number): string {
    const key = `f${v}`
    if (!this.consts.has(key)) this.consts.set(key, this.g.floats(`const_${this.consts.size}`, [], Float32Array.of(v)))
    return this.consts.get(key)!
  }

  ints(values: number[]): string {
    const key = `i${values.join(',')}`
    if (!this.consts.has(key)) this.consts.set(key, this.g.ints(`const_${this.consts.size}`, values))
    return this.consts.get(key)!
  }

  op(type: string, inputs: string[], attrs: Record<string, number | number[] | string> = {}, output?: string): string {
    return this.g.node(type, inputs, attrs, output)
  }

  output(name: string, value: string): void {
    this.op('Identity', [value], {}, name)
    this.outputs.push(name)
  }

  /** Add `g` to the gradient of tensor `t` (tensors used twice sum their gradients). */
  addGrad(t: string, g: string): void {
    const prev = this.grads.get(t)
    this.grads.set(t, prev ? this.op('Add', [prev, g]) : g)
  }

  gradOf(t: string): string {
    const g = this.grads.get(t)
    if (!g) throw new Error(`no gradient reached ${t}`)
    return g
  }

  onBackward(f: () => void): void {
    this.tape.push(f)
  }

  backward(): void {
    for (let i = this.tape.length - 1; i >= 0; i--) this.tape[i]!()
  }

  conv(x: Act, key: string, outC: number, k: number, stride: number, pad: number, inputGrad = true): Act {
    const wName = `${key}.weight`
    const h = Math.floor((x.h + 2 * pad - k) / stride) + 1
    const w = Math.floor((x.w + 2 * pad - k) / stride) + 1
    const y = this.op('Conv', [x.name, wName], {kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad]})
    const n = this.n
    this.onBackward(() => {
      const gy = this.gradOf(y)
      let dW: string
      if (k === 1) {
        // dW[co,ci] = Σ_n gy_n[co,·] · x_n[ci,·]ᵀ over the (strided) positions the kernel read
        const xs = stride === 1 ? x.name : this.op('Slice', [x.name, this.ints([0, 0]), this.ints([BIG, BIG]), this.ints([2, 3]), this.ints([stride, stride])])
        const a = this.op('Reshape', [gy, this.ints([n, outC, h * w])])
        const b = this.op('Transpose', [this.op('Reshape', [xs, this.ints([n, x.c, h * w])])], {perm: [0, 2, 1]})
        dW = this.op('Reshape', [this.op('ReduceSum', [this.op('MatMul', [a, b]), this.ints([0])], {keepdims: 0}), this.ints([outC, x.c, 1, 1])])
      } else {
        // channels as the batch and the batch as channels: a convolution of x by gy (dilated by the stride)
        const xt = this.op('Transpose', [x.name], {perm: [1, 0, 2, 3]})
        const gt = this.op('Transpose', [gy], {perm: [1, 0, 2, 3]})
        let r = this.op('Conv', [xt, gt], {kernel_shape: [h, w], pads: [pad, pad, pad, pad], dilations: [stride, stride]})
        if (x.h + 2 * pad - stride * (h - 1) > k || x.w + 2 * pad - stride * (w - 1) > k) {
          r = this.op('Slice', [r, this.ints([0, 0]), this.ints([k, k]), this.ints([2, 3])])
        }
        dW = this.op('Transpose', [r], {perm: [1, 0, 2, 3]})
      }
      this.output(`grad.${wName}`, dW)
      if (!inputGrad) return
      let dx: string
      if (k === 1 && stride === 1) {
        dx = this.op('Conv', [gy, this.op('Transpose', [wName], {perm: [1, 0, 2, 3]})], {kernel_shape: [1, 1]})
      } else {
        const outPad = [x.h - (stride * (h - 1) + k - 2 * pad), x.w - (stride * (w - 1) + k - 2 * pad)]
        dx = this.op('ConvTranspose', [gy, wName], {kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], output_padding: outPad})
      }
      this.addGrad(x.name, dx)
    })
    return {name: y, c: outC, h, w}
  }

  bn(x: Act, key: string): Act {
    const axes = this.ints([0, 2, 3])
    const shape = this.ints([1, x.c, 1, 1])
    const mean = this.op('ReduceMean', [x.name, axes], {keepdims: 1})
    const d = this.op('Sub', [x.name, mean])
    const variance = this.op('ReduceMean', [this.op('Mul', [d, d]), axes], {keepdims: 1})
    const inv = this.op('Reciprocal', [this.op('Sqrt', [this.op('Add', [variance, this.scalar(BN_EPS)])])])
    const xhat = this.op('Mul', [d, inv])
    const gamma = this.op('Reshape', [`${key}.weight`, shape])
    const y = this.op('Add', [this.op('Mul', [xhat, gamma]), this.op('Reshape', [`${key}.bias`, shape])])
    this.output(`mean.${key}`, this.op('Reshape', [mean, this.ints([x.c])]))
    const m = this.n * x.h * x.w
    // the running variance is PyTorch's unbiased one
    this.output(`var.${key}`, this.op('Reshape', [this.op('Mul', [variance, this.scalar(m / Math.max(1, m - 1))]), this.ints([x.c])]))
    const invM = this.scalar(1 / m)
    this.onBackward(() => {
      const gy = this.gradOf(y)
      const dBeta = this.op('ReduceSum', [gy, axes], {keepdims: 1})
      const dGamma = this.op('ReduceSum', [this.op('Mul', [gy, xhat]), axes], {keepdims: 1})
      this.output(`grad.${key}.bias`, this.op('Reshape', [dBeta, this.ints([x.c])]))
      this.output(`grad.${key}.weight`, this.op('Reshape', [dGamma, this.ints([x.c])]))
      // dx = γ/σ · (gy − mean(gy) − x̂ · mean(gy · x̂))
      const centred = this.op('Sub', [gy, this.op('Mul', [dBeta, invM])])
      const dx = this.op('Mul', [this.op('Sub', [centred, this.op('Mul', [xhat, this.op('Mul', [dGamma, invM])])]), this.op('Mul', [gamma, inv])])
      this.addGrad(x.name, dx)
    })
    return {...x, name: y}
  }

  relu(x: Act): Act {
    const y = this.op('Relu', [x.name])
    this.onBackward(() => {
      // a mask multiplied in: ONNX Runtime's Where is ~4× slower than Greater + Cast + Mul on these sizes
      const mask = this.op('Cast', [this.op('Greater', [y, this.scalar(0)])], {to: onnx.TensorProto.DataType.FLOAT})
      this.addGrad(x.name, this.op('Mul', [this.gradOf(y), mask]))
    })
    return {...x, name: y}
  }

  add(a: Act, b: Act): Act {
    const y = this.op('Add', [a.name, b.name])
    this.onBackward(() => {
      const gy = this.gradOf(y)
      this.addGrad(a.name, gy)
      this.addGrad(b.name, gy)
    })
    return {...a, name: y}
  }

  maxPool(x: Act): Act {
    const [y, idx] = this.g.multi('MaxPool', [x.name], [`maxpool_${x.name}`, `maxpool_idx_${x.name}`], {kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]})
    const h = Math.floor((x.h + 2 - 3) / 2) + 1
    const w = Math.floor((x.w + 2 - 3) / 2) + 1
    this.onBackward(() => {
      // the indices count over the whole flattened input; windows overlap, so a pixel may collect several gradients
      const size = this.n * x.c * x.h * x.w
      const zeros = this.op('Expand', [this.scalar(0), this.ints([size])])
      const flat = this.op('ScatterElements', [zeros, this.op('Reshape', [idx!, this.ints([-1])]), this.op('Reshape', [this.gradOf(y!), this.ints([-1])])], {axis: 0, reduction: 'add'})
      this.addGrad(x.name, this.op('Reshape', [flat, this.ints([this.n, x.c, x.h, x.w])]))
    })
    return {name: y!, c: x.c, h, w}
  }

  /** Global average pool to [N, C]. */
  meanPool(x: Act): string {
    const y = this.op('ReduceMean', [x.name, this.ints([2, 3])], {keepdims: 0})
    this.onBackward(() => {
      const g = this.op('Reshape', [this.op('Mul', [this.gradOf(y), this.scalar(1 / (x.h * x.w))]), this.ints([this.n, x.c, 1, 1])])
      this.addGrad(x.name, this.op('Expand', [g, this.ints([this.n, x.c, x.h, x.w])]))
    })
    return y
  }
}

/** The model bytes of NPR's training step for batches of `batch` images of height × width (both even). */
export function buildNprTrainGraph(batch: number, height: number, width: number = height): Buffer {
  if (height % 2 !== 0 || width % 2 !== 0) throw new RangeError(`NPR needs even height and width, got ${height}x${width}`)
  const t = new TrainGraph(batch)
  const g = t.g
  // NPR = x − up2(down2(x)), scaled by 2/3 as the network does
  const down = t.op('Slice', ['input', t.ints([0, 0]), t.ints([BIG, BIG]), t.ints([2, 3]), t.ints([2, 2])])
  const up = t.op('Resize', [down, '', g.floats('npr_scales', [4], Float32Array.of(1, 1, 2, 2))], {mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor'})
  const npr = t.op('Mul', [t.op('Sub', ['input', up]), t.scalar(2 / 3)])
  let h: Act = t.relu(t.bn(t.conv({name: npr, c: 3, h: height, w: width}, 'conv1', 64, 3, 2, 1, false), 'bn1'))
  h = t.maxPool(h)
  for (const b of nprBlocks()) {
    const p = b.prefix
    let o = t.relu(t.bn(t.conv(h, `${p}.conv1`, b.planes, 1, 1, 0), `${p}.bn1`))
    o = t.relu(t.bn(t.conv(o, `${p}.conv2`, b.planes, 3, b.stride, 1), `${p}.bn2`))
    o = t.bn(t.conv(o, `${p}.conv3`, b.planes * 4, 1, 1, 0), `${p}.bn3`)
    const id = b.downsample ? t.bn(t.conv(h, `${p}.downsample.0`, b.planes * 4, 1, b.stride, 0), `${p}.downsample.1`) : h
    h = t.relu(t.add(o, id))
  }
  const pooled = t.meanPool(h)
  const z = t.op('Gemm', [pooled, 'fc1.weight', 'fc1.bias'], {transB: 1})
  const logit = t.op('Reshape', [z, t.ints([batch])])
  t.output('logit', logit)
  // BCE with logits, mean over the batch: max(z,0) − z·y + log(1 + e^−|z|)
  const perImage = t.op('Add', [t.op('Sub', [t.op('Relu', [logit]), t.op('Mul', [logit, 'label'])]), t.op('Softplus', [t.op('Neg', [t.op('Abs', [logit])])])])
  t.output('loss', t.op('ReduceMean', [perImage, t.ints([0])], {keepdims: 0}))
  const dz = t.op('Reshape', [t.op('Mul', [t.op('Sub', [t.op('Sigmoid', [logit]), 'label']), t.scalar(1 / batch)]), t.ints([batch, 1])])
  t.output('grad.fc1.weight', t.op('MatMul', [t.op('Transpose', [dz], {perm: [1, 0]}), pooled]))
  t.output('grad.fc1.bias', t.op('ReduceSum', [dz, t.ints([0])], {keepdims: 0}))
  t.addGrad(pooled, t.op('MatMul', [dz, 'fc1.weight']))
  t.backward()

  const params = nprTrainableKeys()
  const graph = onnx.GraphProto.create({
    name: 'npr_train_step',
    node: g.nodes,
    initializer: g.inits,
    input: [valueInfo('input', [batch, 3, height, width]), valueInfo('label', [batch]), ...params.map(([k, s]) => valueInfo(k, s))],
    output: t.outputs.map((name) => valueInfo(name)),
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'bitmind',
    opsetImport: [onnx.OperatorSetIdProto.create({domain: '', version: 18})],
    graph,
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}
