/**
 * Static int8 quantization of NPR, written as ONNX QDQ (QuantizeLinear → DequantizeLinear pairs around every
 * convolution's input and output) so that ONNX Runtime fuses it into QLinearConv / QLinearAdd on the CPU:
 * BatchNorm folded into the convolutions, weights int8 symmetric per output channel, biases int32, activations
 * uint8 with ranges measured on calibration images (`calibrateNpr`). The NPR residual itself and the head
 * (global average pool, fc) and the stem convolution that reads it stay float32.
 */
import os from 'node:os'

import onnxPkg from 'onnx-proto'
import * as ort from 'onnxruntime-node'

import {openOnnxSession} from '../runtime/onnx-session.js'
import {centerCropResize, writeNCHW, type RgbImage} from '../image/index.js'
import {nprBlocks} from './npr-arch.js'
import {checkNprStateDict, encodeNprModel} from './onnx-export.js'
import {GraphBuilder, valueInfo} from './onnx-graph.js'
import type {StateDict} from './state-dict.js'

const {onnx} = onnxPkg
const DT = onnx.TensorProto.DataType
const BN_EPS = 1e-5

/** Observed value range of each quantized activation, by tensor name. */
export type Ranges = Map<string, {min: number; max: number}>

type Mode = {kind: 'calibrate'; taps: string[]} | {kind: 'quantize'; ranges: Ranges}

/** uint8 affine parameters covering [min, max] ∪ {0} (zero is exact, so ReLU outputs get zero point 0). */
export function uint8Params(r: {min: number; max: number}): {scale: number; zeroPoint: number} {
  const lo = Math.min(0, r.min), hi = Math.max(0, r.max)
  if (!(hi > lo)) return {scale: 1, zeroPoint: 0}
  const scale = (hi - lo) / 255
  return {scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale)))}
}

function foldConvBn(sd: StateDict, conv: string, bn: string): {weight: Float32Array; bias: Float32Array; dims: number[]} {
  const w = sd.get(`${conv}.weight`)!
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => sd.get(`${bn}.${k}`)!.data)
  const outC = w.shape[0]!
  const per = w.data.length / outC
  const weight = new Float32Array(w.data.length)
  const bias = new Float32Array(outC)
  for (let c = 0; c < outC; c++) {
    const s = gamma![c]! / Math.sqrt(variance![c]! + BN_EPS)
    for (let i = 0; i < per; i++) weight[c * per + i] = w.data[c * per + i]! * s
    bias[c] = beta![c]! - mean![c]! * s
  }
  return {weight, bias, dims: [...w.shape]}
}

/**
 * NPR with BatchNorm folded. In calibrate mode every activation to be quantized is also a graph output (its name
 * pushed to `taps`); in quantize mode each gets a Q/DQ pair with the calibrated range and the weights are int8.
 */
function buildFolded(sd: StateDict, size: number, mode: Mode, metadata: Record<string, string>): Buffer {
  checkNprStateDict(sd)
  const g = new GraphBuilder()
  const scaleOf = new Map<string, number>()
  // the tensor consumers read: t itself (calibrating) or t through Q → DQ with the range of `like` (default t)
  const act = (t: string, like = t): string => {
    if (mode.kind === 'calibrate') {
      if (like === t) mode.taps.push(t)
      return t
    }
    const r = mode.ranges.get(like)
    if (!r) throw new Error(`no calibration range for ${like}`)
    const {scale, zeroPoint} = uint8Params(r)
    const s = g.floats(`${t}.scale`, [], Float32Array.of(scale))
    const z = g.raw(`${t}.zero_point`, DT.UINT8, [], Uint8Array.of(zeroPoint))
    const dq = g.node('DequantizeLinear', [g.node('QuantizeLinear', [t, s, z], {}, `${t}.q`), s, z], {}, `${t}.dq`)
    scaleOf.set(dq, Math.fround(scale))
    return dq
  }
  const conv = (x: string, key: string, bnKey: string, k: number, stride: number, pad: number, out: string, float = false): string => {
    const f = foldConvBn(sd, key, bnKey)
    const outC = f.dims[0]!
    let w: string, b: string
    if (mode.kind === 'calibrate' || float) {
      w = g.floats(`${key}.weight`, f.dims, f.weight)
      b = g.floats(`${key}.bias`, [outC], f.bias)
    } else {
      const per = f.weight.length / outC
      const q = new Int8Array(f.weight.length)
      const ws = new Float32Array(outC)
      for (let c = 0; c < outC; c++) {
        let m = 0
        for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(f.weight[c * per + i]!))
        ws[c] = m > 0 ? m / 127 : 1
        for (let i = 0; i < per; i++) q[c * per + i] = Math.max(-127, Math.min(127, Math.round(f.weight[c * per + i]! / ws[c]!)))
      }
      const wsName = g.floats(`${key}.weight.scale`, [outC], ws)
      w = g.node('DequantizeLinear', [g.raw(`${key}.weight.q`, DT.INT8, f.dims, new Uint8Array(q.buffer)), wsName, g.raw(`${key}.weight.zero_point`, DT.INT8, [outC], new Uint8Array(outC))], {axis: 0}, `${key}.weight.dq`)
      const xs = scaleOf.get(x)
      if (xs === undefined) throw new Error(`${key}: input ${x} is not quantized`)
      const bs = new Float32Array(outC)
      const qb = new Int32Array(outC)
      for (let c = 0; c < outC; c++) {
        bs[c] = xs * ws[c]!
        qb[c] = Math.round(f.bias[c]! / bs[c]!)
      }
      b = g.node('DequantizeLinear', [g.raw(`${key}.bias.q`, DT.INT32, [outC], new Uint8Array(qb.buffer)), g.floats(`${key}.bias.scale`, [outC], bs), g.raw(`${key}.bias.zero_point`, DT.INT32, [outC], new Uint8Array(outC * 4))], {axis: 0}, `${key}.bias.dq`)
    }
    return g.node('Conv', [x, w, b], {kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad]}, out)
  }

  const down = g.node('Slice', ['input', g.ints('npr_starts', [0, 0]), g.ints('npr_ends', [2 ** 31 - 1, 2 ** 31 - 1]), g.ints('npr_axes', [2, 3]), g.ints('npr_steps', [2, 2])])
  const up = g.node('Resize', [down, '', g.floats('npr_scales', [4], Float32Array.of(1, 1, 2, 2))], {
    mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
  })
  const npr = g.node('Sub', ['input', up])
  g.node('Div', [g.node('Mul', [npr, g.floats('two', [], Float32Array.of(2))]), g.floats('three', [], Float32Array.of(3))], {}, 'npr')
  // The stem stays float: the residual's 511 levels (multiples of 2/765) are the trace NPR reads, and uint8 would
  // halve them (measured: a 20-point swing from fake to real calls on challenges). It is ~2 % of the MACs.
  g.node('Relu', [conv('npr', 'conv1', 'bn1', 3, 2, 1, 'stem.conv', true)], {}, 'stem.relu')
  let h = act('stem.relu')
  g.node('MaxPool', [h], {kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]}, 'stem.pool')
  h = act('stem.pool', 'stem.relu')
  for (const blk of nprBlocks()) {
    const p = blk.prefix
    g.node('Relu', [conv(h, `${p}.conv1`, `${p}.bn1`, 1, 1, 0, `${p}.c1`)], {}, `${p}.relu1`)
    let o = act(`${p}.relu1`)
    g.node('Relu', [conv(o, `${p}.conv2`, `${p}.bn2`, 3, blk.stride, 1, `${p}.c2`)], {}, `${p}.relu2`)
    o = act(`${p}.relu2`)
    o = act(conv(o, `${p}.conv3`, `${p}.bn3`, 1, 1, 0, `${p}.c3`))
    const id = blk.downsample ? act(conv(h, `${p}.downsample.0`, `${p}.downsample.1`, 1, blk.stride, 0, `${p}.down`)) : h
    g.node('Relu', [g.node('Add', [o, id])], {}, `${p}.out`)
    h = act(`${p}.out`)
  }
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [h])], {axis: 1})
  const fc = g.node('Gemm', [pooled, g.floats('fc1.weight', sd.get('fc1.weight')!.shape, sd.get('fc1.weight')!.data), g.floats('fc1.bias', [1], sd.get('fc1.bias')!.data)], {transB: 1})
  g.node('Reshape', [fc, g.ints('flat', [-1])], {}, 'logit')
  g.node('Sigmoid', ['logit'], {}, 'probability')

  const outputs = [valueInfo('probability', ['N']), valueInfo('logit', ['N'])]
  if (mode.kind === 'calibrate') outputs.push(...mode.taps.map((t) => valueInfo(t)))
  const graph = onnx.GraphProto.create({
    name: mode.kind === 'calibrate' ? 'npr-calibration' : 'npr-int8',
    node: g.nodes,
    initializer: g.inits,
    input: [valueInfo('input', ['N', 3, size, size])],
    output: outputs,
  })
  return encodeNprModel(graph, size, metadata)
}

/**
 * The range of every activation that the int8 model quantizes (min and max over all images, or with `percentile`
 * the per-batch percentiles averaged, which ignores rare outliers) over the images (preprocessed as the detector
 * does: centre crop, Pillow-exact bilinear resize to inputSize, x/255).
 */
export async function calibrateNpr(sd: StateDict, images: RgbImage[], opts: {inputSize: number; batchSize?: number; percentile?: number}): Promise<Ranges> {
  const percentile = opts.percentile
  if (images.length === 0) throw new Error('calibration needs at least one image')
  const taps: string[] = []
  const bytes = buildFolded(sd, opts.inputSize, {kind: 'calibrate', taps}, {})
  const session = await openOnnxSession(bytes, {threads: os.availableParallelism(), label: 'NPR calibration graph'})
  const sums = new Map<string, {min: number; max: number; n: number}>()
  const size = opts.inputSize
  const bs = Math.max(1, opts.batchSize ?? 8)
  try {
    for (let i = 0; i < images.length; i += bs) {
      const chunk = images.slice(i, i + bs)
      const x = new Float32Array(chunk.length * 3 * size * size)
      for (const [n, im] of chunk.entries()) writeNCHW(x, n, await centerCropResize(im, size))
      const out = await session.run({input: new ort.Tensor('float32', x, [chunk.length, 3, size, size])}, taps)
      for (const t of taps) {
        const [lo, hi] = observe(out[t]!.data as Float32Array, percentile)
        const r = sums.get(t) ?? {min: 0, max: 0, n: 0}
        if (percentile === undefined) sums.set(t, {min: r.n ? Math.min(r.min, lo) : lo, max: r.n ? Math.max(r.max, hi) : hi, n: r.n + 1})
        else sums.set(t, {min: r.min + lo, max: r.max + hi, n: r.n + 1}) // averaged over batches, as ORT's percentile calibrator
      }
      Object.values(out).forEach((v) => v.dispose())
    }
  } finally {
    await session.release()
  }
  const ranges: Ranges = new Map()
  for (const [t, r] of sums) ranges.set(t, percentile === undefined ? {min: r.min, max: r.max} : {min: r.min / r.n, max: r.max / r.n})
  return ranges
}

/** [min, max] of a batch's values, or (with a percentile p) the p-th and (100 − p)-th percentiles of a strided sample. */
function observe(d: Float32Array, percentile?: number): [number, number] {
  if (percentile === undefined) {
    let lo = Infinity, hi = -Infinity
    for (let k = 0; k < d.length; k++) {
      const v = d[k]!
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    return [lo, hi]
  }
  const step = Math.max(1, Math.floor(d.length / 200_000))
  const sample = new Float32Array(Math.ceil(d.length / step))
  for (let k = 0, j = 0; k < d.length; k += step) sample[j++] = d[k]!
  sample.sort()
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round((q / 100) * (sample.length - 1))))]!
  return [at(100 - percentile), at(percentile)]
}

/** The int8 QDQ model bytes for these weights and calibration ranges (metadata says `bitmind.quantization`). */
export function quantizeNprOnnx(sd: StateDict, ranges: Ranges, opts: {inputSize: number; metadata?: Record<string, string>}): Buffer {
  return buildFolded(sd, opts.inputSize, {kind: 'quantize', ranges}, {'bitmind.quantization': 'int8-qdq-static', ...opts.metadata})
}
