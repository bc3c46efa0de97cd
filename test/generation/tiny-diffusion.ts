import {promises as fs} from 'node:fs'
import path from 'node:path'

import onnxPkg from 'onnx-proto'

const {onnx} = onnxPkg
const DT = onnx.TensorProto.DataType
const AT = onnx.AttributeProto.AttributeType
type Dim = number | string

const DTYPES = {float32: DT.FLOAT, float16: DT.FLOAT16, int64: DT.INT64, int32: DT.INT32} as const
type DType = keyof typeof DTYPES

function valueInfo(name: string, type: DType, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: DTYPES[type],
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({dimValue: d}) : onnx.TensorShapeProto.Dimension.create({dimParam: d}))),
        }),
      }),
    }),
  })
}

/** A small opset-18 graph builder; `external` puts float initialisers in `<file>_data` next to the model. */
class Graph {
  nodes: ReturnType<typeof onnx.NodeProto.create>[] = []
  inits: ReturnType<typeof onnx.TensorProto.create>[] = []
  ins: ReturnType<typeof valueInfo>[] = []
  outs: ReturnType<typeof valueInfo>[] = []
  external: Buffer[] = []
  private n = 0

  constructor(private readonly externalFile?: string) {}

  op(type: string, inputs: string[], attrs: Record<string, number | string | number[]> = {}, out?: string): string {
    const o = out ?? `${type}_${this.n++}`
    const attribute = Object.entries(attrs).map(([name, v]) =>
      typeof v === 'string' ? onnx.AttributeProto.create({name, type: AT.STRING, s: Buffer.from(v)})
        : Array.isArray(v) ? onnx.AttributeProto.create({name, type: AT.INTS, ints: v})
          : Number.isInteger(v) ? onnx.AttributeProto.create({name, type: AT.INT, i: v}) : onnx.AttributeProto.create({name, type: AT.FLOAT, f: v}))
    this.nodes.push(onnx.NodeProto.create({opType: type, input: inputs, output: [o], name: o, attribute}))
    return o
  }

  floats(dims: number[], values: number[]): string {
    const name = `w_${this.n++}`
    const data = Buffer.from(Float32Array.from(values).buffer)
    if (this.externalFile) {
      const offset = this.external.reduce((s, b) => s + b.length, 0)
      this.external.push(data)
      this.inits.push(onnx.TensorProto.create({name, dataType: DT.FLOAT, dims, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{key: 'location', value: this.externalFile}, {key: 'offset', value: String(offset)}, {key: 'length', value: String(data.length)}]}))
    } else this.inits.push(onnx.TensorProto.create({name, dataType: DT.FLOAT, dims, rawData: data}))
    return name
  }

  ints(values: number[]): string {
    const name = `i_${this.n++}`
    this.inits.push(onnx.TensorProto.create({name, dataType: DT.INT64, dims: [values.length], int64Data: values}))
    return name
  }

  input(name: string, type: DType, dims: Dim[]): string {
    this.ins.push(valueInfo(name, type, dims))
    return type === 'float16' ? this.op('Cast', [name], {to: DT.FLOAT}) : name
  }

  output(from: string, name: string, type: 'float32' | 'float16', dims: Dim[]): void {
    this.op(type === 'float16' ? 'Cast' : 'Identity', [from], type === 'float16' ? {to: DT.FLOAT16} : {}, name)
    this.outs.push(valueInfo(name, type, dims))
  }

  /** [B, …] → mean over the rest, shaped [B, 1, 1, 1]. */
  perBatch(x: string, axes: number[]): string {
    return this.op('Reshape', [this.op('ReduceMean', [x, this.ints(axes)], {keepdims: 1}), this.ints([-1, 1, 1, 1])])
  }

  async write(file: string): Promise<void> {
    await fs.mkdir(path.dirname(file), {recursive: true})
    const model = onnx.ModelProto.create({
      irVersion: 8, producerName: 'bitmind-tests', opsetImport: [{domain: '', version: 18}],
      graph: onnx.GraphProto.create({name: 'g', node: this.nodes, initializer: this.inits, input: this.ins, output: this.outs}),
    })
    await fs.writeFile(file, onnx.ModelProto.encode(model).finish())
    if (this.externalFile) await fs.writeFile(path.join(path.dirname(file), this.externalFile), Buffer.concat(this.external))
  }
}

export interface TinyPipelineSpec {
  kind: 'sd' | 'sdxl' | 'lcm'
  float: 'float32' | 'float16'
  timestep: 'int64' | 'float32'
  idType?: 'int32' | 'int64'
  externalWeights?: boolean
  scheduler: Record<string, unknown>
}

const HIDDEN = 8
const CHANNELS = 4
const COND_DIM = 16

async function textEncoder(file: string, spec: TinyPipelineSpec, seed: number, withProjection: boolean): Promise<void> {
  const g = new Graph()
  const ids = g.input('input_ids', spec.idType ?? 'int32', ['batch', 77])
  const x = g.op('Unsqueeze', [g.op('Mul', [g.op('Cast', [ids], {to: DT.FLOAT}), g.floats([], [1e-4])]), g.ints([2])])
  const w = Array.from({length: HIDDEN}, (_, i) => Math.sin(seed + i))
  const h0 = g.op('Add', [g.op('Mul', [x, g.floats([HIDDEN], w)]), g.floats([HIDDEN], w.map((v) => v * 0.1))])
  const h1 = g.op('Tanh', [h0])
  const h2 = g.op('Tanh', [g.op('Mul', [h1, g.floats([], [3])])])
  g.output(h2, 'last_hidden_state', spec.float, ['batch', 77, HIDDEN])
  const pooled = g.op('ReduceMean', [h2, g.ints([1])], {keepdims: 0})
  g.output(pooled, withProjection ? 'text_embeds' : 'pooler_output', spec.float, ['batch', HIDDEN])
  if (spec.kind === 'sdxl') [h0, h1, h2].forEach((hs, i) => g.output(hs, `hidden_states.${i}`, spec.float, ['batch', 77, HIDDEN]))
  await g.write(file)
}

async function unet(file: string, spec: TinyPipelineSpec, encoders: number): Promise<void> {
  const g = new Graph()
  const sample = g.input('sample', spec.float, ['batch', CHANNELS, 'height', 'width'])
  const t = g.input('timestep', spec.timestep, [1])
  const ehs = g.input('encoder_hidden_states', spec.float, ['batch', 77, HIDDEN * encoders])
  let acc = g.op('Add', [g.op('Mul', [sample, g.floats([1, CHANNELS, 1, 1], [0.3, -0.2, 0.25, 0.1])]), g.perBatch(ehs, [1, 2])])
  acc = g.op('Add', [acc, g.op('Mul', [g.op('Cast', [t], {to: DT.FLOAT}), g.floats([], [1e-4])])])
  const extra = (name: string, dims: Dim[]) => {
    const v = g.input(name, spec.float, dims)
    acc = g.op('Add', [acc, g.op('Mul', [g.perBatch(v, [1]), g.floats([], [1e-3])])])
  }
  if (spec.kind === 'sdxl') {
    extra('text_embeds', ['batch', HIDDEN])
    extra('time_ids', ['batch', 6])
  }
  if (spec.kind === 'lcm') extra('timestep_cond', ['batch', COND_DIM])
  g.output(acc, 'out_sample', spec.float, ['batch', CHANNELS, 'height', 'width'])
  await g.write(file)
}

async function vaeDecoder(file: string, spec: TinyPipelineSpec): Promise<void> {
  const g = new Graph(spec.externalWeights ? 'model.onnx_data' : undefined)
  const z = g.input('latent_sample', spec.float, ['batch', CHANNELS, 'lh', 'lw'])
  const w = g.floats([3, CHANNELS, 1, 1], [0.9, -0.4, 0.3, 0.2, -0.3, 0.8, 0.1, -0.5, 0.2, 0.1, -0.7, 0.6])
  const rgb = g.op('Conv', [z, w])
  const up = g.op('Resize', [rgb, '', g.floats([4], [1, 1, 8, 8])], {mode: 'nearest'})
  g.output(g.op('Tanh', [up]), 'sample', spec.float, ['batch', 3, 'h', 'w'])
  await g.write(file)
}

/** A CLIP-style vocabulary over single letters (word-final letters end in </w>), no merges. */
async function tokenizer(dir: string, pad?: string): Promise<void> {
  await fs.mkdir(dir, {recursive: true})
  const vocab: Record<string, number> = {'!': 0}
  let id = 1
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789,') {
    vocab[c] = id++
    vocab[`${c}</w>`] = id++
  }
  vocab['<|startoftext|>'] = 49406
  vocab['<|endoftext|>'] = 49407
  await fs.writeFile(path.join(dir, 'vocab.json'), JSON.stringify(vocab))
  await fs.writeFile(path.join(dir, 'merges.txt'), '#version: 0.2\n')
  if (pad) await fs.writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify({pad_token: pad}))
}

/** Write a diffusers-ONNX-layout folder of tiny models with the real input/output names. */
export async function writeTinyPipeline(dir: string, spec: TinyPipelineSpec): Promise<void> {
  const encoders = spec.kind === 'sdxl' ? 2 : 1
  await textEncoder(path.join(dir, 'text_encoder', 'model.onnx'), spec, 1, false)
  await tokenizer(path.join(dir, 'tokenizer'))
  if (encoders === 2) {
    await textEncoder(path.join(dir, 'text_encoder_2', 'model.onnx'), spec, 2, true)
    await tokenizer(path.join(dir, 'tokenizer_2'), '!')
  }
  await unet(path.join(dir, 'unet', 'model.onnx'), spec, encoders)
  await vaeDecoder(path.join(dir, 'vae_decoder', 'model.onnx'), spec)
  await fs.writeFile(path.join(dir, 'vae_decoder', 'config.json'), JSON.stringify({scaling_factor: spec.kind === 'sdxl' ? 0.13025 : 0.18215}))
  if (spec.kind === 'lcm') await fs.writeFile(path.join(dir, 'unet', 'config.json'), JSON.stringify({time_cond_proj_dim: COND_DIM}))
  await fs.mkdir(path.join(dir, 'scheduler'), {recursive: true})
  await fs.writeFile(path.join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify(spec.scheduler))
  await fs.writeFile(path.join(dir, 'model_index.json'), JSON.stringify({_class_name: spec.kind === 'sdxl' ? 'ORTStableDiffusionXLPipeline' : 'ORTStableDiffusionPipeline'}))
}
