import {getFloat16} from '@petamoriken/float16'

export function float16ToFloat32Array(bits: Uint16Array): Float32Array {
  const view = new DataView(bits.buffer, bits.byteOffset, bits.byteLength)
  const out = new Float32Array(bits.length)
  for (let i = 0; i < bits.length; i++) out[i] = getFloat16(view, i * 2, true)
  return out
}
