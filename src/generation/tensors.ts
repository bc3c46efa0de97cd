import {Float16Array} from '@petamoriken/float16'
import * as ort from 'onnxruntime-node'

import type {Rng} from '../config/random.js'
import {boxMuller} from '../image/distortions.js'

/** Standard normal draws (Box–Muller) from a seeded uniform PRNG, so a seed fixes every latent and step noise. */
export function gaussian(rng: Rng): () => number {
  return boxMuller(() => Math.max(rng(), Number.MIN_VALUE), rng)
}

export type FloatType = 'float32' | 'float16'

/** A float tensor in the dtype a session input declares (float16 travels as its IEEE bit patterns in a Uint16Array). */
export function floatTensor(data: Float32Array, dims: readonly number[], type: FloatType): ort.Tensor {
  if (type === 'float32') return new ort.Tensor('float32', data, dims)
  const half = Float16Array.from(data)
  return new ort.Tensor('float16', new Uint16Array(half.buffer as ArrayBuffer), dims)
}

/** Any float output as float32. */
export function readFloats(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array
  if (t.type === 'float16') {
    const bits = t.data as unknown as Uint16Array
    const copy = new Uint16Array(bits) // own buffer, so the view below starts at offset 0
    return Float32Array.from(new Float16Array(copy.buffer as ArrayBuffer))
  }
  throw new Error(`expected a float output, got ${t.type}`)
}

/** Integer token ids / timesteps in the dtype an input declares. */
export function intTensor(values: ArrayLike<number>, dims: readonly number[], type: string): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), dims)
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims)
  if (type === 'float32' || type === 'float16') return floatTensor(Float32Array.from(values), dims, type)
  throw new Error(`unsupported input dtype ${type}`)
}
