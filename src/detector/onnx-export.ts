/**
 * Writes the NPR network as an ONNX graph (opset 18, NCHW, x/255 input) with its weights, a probability output
 * (Sigmoid) plus the raw logit, and the metadata an ONNX detector needs to be served.
 */
import {promises as fs} from 'node:fs'

import onnxPkg from 'onnx-proto'

import {nprBlocks, nprStateDictShapes} from './npr-arch.js'
import {GraphBuilder, valueInfo} from './onnx-graph.js'
import {META} from './onnx-meta.js'
import {StateDictMismatchError, sameShape, type StateDict} from './state-dict.js'

const {onnx} = onnxPkg

export const NPR_ARCHITECTURE = 'npr-resnet50-layer2'

export interface NprOnnxOptions {
  inputSize?: number
  /** extra metadata_props */
  metadata?: Record<string, string>
}

/** Every NPR key present with its shape, nothing extra; else StateDictMismatchError. */
export function checkNprStateDict(sd: StateDict): void {
  const expected = nprStateDictShapes()
  const missing = expected.filter(([k]) => !sd.has(k)).map(([k]) => k)
  const unexpected = [...sd.keys()].filter((k) => !expected.some(([e]) => e === k))
  const wrong = expected.filter(([k, s]) => sd.has(k) && !sameShape(sd.get(k)!.shape, s)).map(([k]) => k)
  if (missing.length || unexpected.length || wrong.length) throw new StateDictMismatchError(missing, unexpected, wrong)
}

/** Build the ONNX model bytes from an NPR state_dict (checked strictly). */
export function buildNprOnnx(sd: StateDict, opts: NprOnnxOptions = {}): Buffer {
  const size = opts.inputSize ?? 224
  checkNprStateDict(sd)

  const g = new GraphBuilder()
  const w = (k: string) => g.floats(k, sd.get(k)!.shape, sd.get(k)!.data)
  const conv = (x: string, key: string, k: number, stride: number, pad: number) =>
    g.node('Conv', [x, w(`${key}.weight`)], {kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad]})
  const bn = (x: string, key: string) =>
    g.node('BatchNormalization', [x, w(`${key}.weight`), w(`${key}.bias`), w(`${key}.running_mean`), w(`${key}.running_var`)], {epsilon: 1e-5})

  // NPR = x − up2(down2(x)): every second pixel from the top-left, repeated back nearest-neighbour
  const down = g.node('Slice', ['input', g.ints('npr_starts', [0, 0]), g.ints('npr_ends', [2 ** 31 - 1, 2 ** 31 - 1]), g.ints('npr_axes', [2, 3]), g.ints('npr_steps', [2, 2])])
  const up = g.node('Resize', [down, '', g.floats('npr_scales', [4], Float32Array.of(1, 1, 2, 2))], {
    mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
  })
  const npr = g.node('Sub', ['input', up])
  let h = g.node('Div', [g.node('Mul', [npr, g.floats('two', [], Float32Array.of(2))]), g.floats('three', [], Float32Array.of(3))])
  h = g.node('Relu', [bn(conv(h, 'conv1', 3, 2, 1), 'bn1')])
  h = g.node('MaxPool', [h], {kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]})
  for (const b of nprBlocks()) {
    const p = b.prefix
    let o = g.node('Relu', [bn(conv(h, `${p}.conv1`, 1, 1, 0), `${p}.bn1`)])
    o = g.node('Relu', [bn(conv(o, `${p}.conv2`, 3, b.stride, 1), `${p}.bn2`)])
    o = bn(conv(o, `${p}.conv3`, 1, 1, 0), `${p}.bn3`)
    const id = b.downsample ? bn(conv(h, `${p}.downsample.0`, 1, b.stride, 0), `${p}.downsample.1`) : h
    h = g.node('Relu', [g.node('Add', [o, id])])
  }
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [h])], {axis: 1})
  const fc = g.node('Gemm', [pooled, w('fc1.weight'), w('fc1.bias')], {transB: 1})
  g.node('Reshape', [fc, g.ints('flat', [-1])], {}, 'logit')
  g.node('Sigmoid', ['logit'], {}, 'probability')

  const graph = onnx.GraphProto.create({
    name: 'npr',
    node: g.nodes,
    initializer: g.inits,
    input: [valueInfo('input', ['N', 3, size, size])],
    output: [valueInfo('probability', ['N']), valueInfo('logit', ['N'])],
  })
  return encodeNprModel(graph, size, opts.metadata)
}

/** The model bytes of an NPR graph (opset 18) with the metadata an ONNX detector is served by, plus `extra`. */
export function encodeNprModel(graph: onnxPkg.onnx.IGraphProto, size: number, extra: Record<string, string> = {}): Buffer {
  const metadata: Record<string, string> = {
    [META.inputSize]: String(size),
    [META.layout]: 'NCHW',
    [META.architecture]: NPR_ARCHITECTURE,
    [META.output]: 'probability',
    ...extra,
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'bitmind',
    opsetImport: [onnx.OperatorSetIdProto.create({domain: '', version: 18})],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({key, value})),
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}

export async function exportNprOnnx(sd: StateDict, outPath: string, opts: NprOnnxOptions = {}): Promise<void> {
  const bytes = buildNprOnnx(sd, opts)
  const tmp = `${outPath}.${process.pid}.tmp`
  await fs.writeFile(tmp, bytes)
  await fs.rename(tmp, outPath)
}
