/** A small builder for ONNX graphs (nodes, initializers, value infos) on onnx-proto. */
import onnxPkg from 'onnx-proto'

const {onnx} = onnxPkg
const F32 = onnx.TensorProto.DataType.FLOAT
const I64 = onnx.TensorProto.DataType.INT64
const AT = onnx.AttributeProto.AttributeType

export type Attr = number | number[] | string
function attr(name: string, v: Attr) {
  if (typeof v === 'string') return onnx.AttributeProto.create({name, type: AT.STRING, s: Buffer.from(v)})
  if (Array.isArray(v)) return onnx.AttributeProto.create({name, type: AT.INTS, ints: v})
  return Number.isInteger(v) ? onnx.AttributeProto.create({name, type: AT.INT, i: v}) : onnx.AttributeProto.create({name, type: AT.FLOAT, f: v})
}

/** A float32 value; without dims its shape is left unspecified. */
export function valueInfo(name: string, dims?: Array<number | string>) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: F32,
        shape: dims && onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({dimValue: d}) : onnx.TensorShapeProto.Dimension.create({dimParam: d}))),
        }),
      }),
    }),
  })
}

export class GraphBuilder {
  readonly nodes: ReturnType<typeof onnx.NodeProto.create>[] = []
  readonly inits: ReturnType<typeof onnx.TensorProto.create>[] = []
  private n = 0

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.n++}`
    this.nodes.push(onnx.NodeProto.create({opType: op, input: inputs, output: [out], name: out, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v))}))
    return out
  }

  /** A node with several outputs (MaxPool's values and indices), named `outputs`. */
  multi(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): string[] {
    this.nodes.push(onnx.NodeProto.create({opType: op, input: inputs, output: outputs, name: outputs[0], attribute: Object.entries(attrs).map(([k, v]) => attr(k, v))}))
    return outputs
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    this.inits.push(onnx.TensorProto.create({name, dataType: F32, dims, rawData: Buffer.from(raw)}))
    return name
  }

  /** An initializer of raw little-endian bytes (int8, uint8, int32 … tensors). */
  raw(name: string, dataType: number, dims: number[], bytes: Uint8Array): string {
    this.inits.push(onnx.TensorProto.create({name, dataType, dims, rawData: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)}))
    return name
  }

  ints(name: string, values: number[]): string {
    this.inits.push(onnx.TensorProto.create({name, dataType: I64, dims: [values.length], int64Data: values}))
    return name
  }
}
