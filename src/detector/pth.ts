/** Import a PyTorch state_dict saved with torch.save (zip format) without Python. */
import {promises as fs} from 'node:fs'

import {float16ToFloat32Array} from './half.js'
import {PickleGlobal, unpickle} from './pickle.js'
import type {StateDict} from './state-dict.js'
import {ZipReader} from './zip.js'

const STORAGE_BYTES: Record<string, number> = {
  FloatStorage: 4, DoubleStorage: 8, HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, IntStorage: 4,
  ShortStorage: 2, CharStorage: 1, ByteStorage: 1, BoolStorage: 1,
}

interface StorageRef {
  kind: string
  key: string
  numel: number
}

interface TensorRef {
  storage: StorageRef
  offset: number
  shape: number[]
  stride: number[]
}

function decodeStorage(kind: string, bytes: Buffer, count: number): Float64Array | Float32Array {
  const need = count * STORAGE_BYTES[kind]!
  if (bytes.length < need) throw new Error(`storage too short (${bytes.length} bytes, need ${need})`)
  const b = Buffer.from(bytes.subarray(0, need)) // aligned copy
  switch (kind) {
    case 'FloatStorage': return new Float32Array(b.buffer, b.byteOffset, count)
    case 'DoubleStorage': return new Float64Array(b.buffer, b.byteOffset, count)
    case 'HalfStorage': return float16ToFloat32Array(new Uint16Array(b.buffer, b.byteOffset, count))
    case 'BFloat16Storage': {
      const u = new Uint16Array(b.buffer, b.byteOffset, count)
      const out = new Uint32Array(count)
      for (let i = 0; i < count; i++) out[i] = u[i]! << 16
      return new Float32Array(out.buffer)
    }
    case 'LongStorage': return Float64Array.from(new BigInt64Array(b.buffer, b.byteOffset, count), (v) => Number(v))
    case 'IntStorage': return Float64Array.from(new Int32Array(b.buffer, b.byteOffset, count))
    case 'ShortStorage': return Float64Array.from(new Int16Array(b.buffer, b.byteOffset, count))
    case 'CharStorage': return Float64Array.from(new Int8Array(b.buffer, b.byteOffset, count))
    default: return Float64Array.from(new Uint8Array(b.buffer, b.byteOffset, count))
  }
}

/** Parse the bytes of a torch.save zip archive holding a (possibly nested under 'state_dict'/'model') state_dict. */
export function parsePth(buf: Buffer): StateDict {
  const zip = new ZipReader(buf)
  const pkl = [...zip.entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl')
  if (!pkl) throw new Error('no data.pkl in the archive (is this a torch.save file in the zip format?)')
  const root = pkl.slice(0, pkl.length - 'data.pkl'.length)
  const byteorder = zip.entries.has(`${root}byteorder`) ? zip.read(`${root}byteorder`).toString() : 'little'
  if (byteorder !== 'little') throw new Error(`unsupported byte order ${byteorder}`)

  const tensors = new Map<unknown, TensorRef>()
  const obj = unpickle(zip.read(pkl), {
    persistentLoad(pid) {
      const t = pid as unknown[]
      if (!Array.isArray(t) || t[0] !== 'storage' || !(t[1] instanceof PickleGlobal)) throw new Error('unsupported persistent id')
      const kind = t[1].name
      if (!(kind in STORAGE_BYTES)) throw new Error(`unsupported storage type ${t[1].qualified}`)
      return {kind, key: String(t[2]), numel: Number(t[4])} satisfies StorageRef
    },
    call(fn, args) {
      switch (fn.qualified) {
        case 'collections.OrderedDict':
          return new Map()
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor': {
          const [storage, offset, shape, stride] = args as [StorageRef, number, number[], number[]]
          const ref: TensorRef = {storage, offset, shape: [...shape], stride: [...stride]}
          const handle = {}
          tensors.set(handle, ref)
          return handle
        }
        case 'torch._utils._rebuild_parameter':
          return args[0]
        default:
          throw new Error(`unsupported object in checkpoint: ${fn.qualified}`)
      }
    },
    build: (o) => o,
  })

  let dict = obj
  for (const k of ['state_dict', 'model', 'net']) {
    if (dict instanceof Map && dict.has(k) && dict.get(k) instanceof Map) dict = dict.get(k)
  }
  if (!(dict instanceof Map)) throw new Error('the checkpoint is not a state_dict (expected a dict of tensors)')

  const storages = new Map<string, Float32Array | Float64Array>()
  const sd: StateDict = new Map()
  for (const [rawKey, handle] of dict) {
    const ref = tensors.get(handle)
    if (!ref) continue
    const key = String(rawKey).replace(/^module\./, '')
    let st = storages.get(ref.storage.key)
    if (!st) {
      st = decodeStorage(ref.storage.kind, zip.read(`${root}data/${ref.storage.key}`), ref.storage.numel)
      storages.set(ref.storage.key, st)
    }
    const numel = ref.shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(numel)
    let contiguous = true
    for (let d = ref.shape.length - 1, expect = 1; d >= 0; d--) {
      if (ref.shape[d]! !== 1 && ref.stride[d] !== expect) contiguous = false
      expect *= ref.shape[d]!
    }
    if (contiguous) {
      data.set(st.subarray(ref.offset, ref.offset + numel))
      sd.set(key, {shape: ref.shape, data})
      continue
    }
    // materialise through the strides (views and non-contiguous tensors)
    const idx = new Array<number>(ref.shape.length).fill(0)
    for (let i = 0; i < numel; i++) {
      let off = ref.offset
      for (let d = 0; d < idx.length; d++) off += idx[d]! * ref.stride[d]!
      data[i] = st[off]!
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d]! < ref.shape[d]!) break
        idx[d] = 0
      }
    }
    sd.set(key, {shape: ref.shape, data})
  }
  return sd
}

export async function importPth(file: string): Promise<StateDict> {
  const buf = await fs.readFile(file)
  try {
    return parsePth(buf)
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}
