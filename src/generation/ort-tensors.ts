import {Float16Array} from '@petamoriken/float16'
import ort from 'onnxruntime-node'

/** An input's declared element type and shape, from `session.inputMetadata`. */
export interface InputSpec {
  type: string
  shape: ReadonlyArray<number | string>
}

export function inputSpecs(session: ort.InferenceSession): Map<string, InputSpec> {
  const out = new Map<string, InputSpec>()
  for (const m of session.inputMetadata) {
    if (m.isTensor) out.set(m.name, {type: m.type, shape: m.shape})
  }
  return out
}

/** A float tensor in the dtype the model declares: float32, or float16 as Uint16 bit patterns. */
export function floatTensor(type: string, data: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'float16') return new ort.Tensor('float16', new Uint16Array(new Float16Array(data).buffer), dims)
  if (type === 'float32' || type === 'float') return new ort.Tensor('float32', data, dims)
  throw new Error(`unsupported float input type ${type}`)
}

/** Integer ids or timesteps in the declared dtype (int32, int64, or a float type for float timesteps). */
export function numberTensor(type: string, values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  switch (type) {
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), dims)
    case 'int32': return new ort.Tensor('int32', Int32Array.from(values), dims)
    case 'float16': return floatTensor('float16', Float32Array.from(values), dims)
    case 'float32': case 'float': return new ort.Tensor('float32', Float32Array.from(values), dims)
    default: throw new Error(`unsupported input type ${type}`)
  }
}

/** Any float output as float32. */
export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array
  if (t.type === 'float16') {
    const bits = t.data as Uint16Array
    return Float32Array.from(new Float16Array(bits.buffer, bits.byteOffset, bits.length))
  }
  throw new Error(`expected a float output, got ${t.type}`)
}
