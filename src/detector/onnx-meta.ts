/**
 * What an ONNX detector declares about itself in the model's metadata_props, and a reader for them that walks the
 * top level of the ModelProto without decoding the graph (weights can be large).
 */
export const META = {
  inputSize: 'bitmind.input_size',
  layout: 'bitmind.input_layout', // NCHW (default) | NHWC
  mean: 'bitmind.mean', // comma-separated per-channel values on the x/255 scale; absent = no normalisation
  std: 'bitmind.std',
  architecture: 'bitmind.architecture',
  output: 'bitmind.output', // probability (default) | logit
} as const

export interface DetectorMetadata {
  inputSize?: number
  layout: 'NCHW' | 'NHWC'
  mean?: number[]
  std?: number[]
  architecture?: string
  output: 'probability' | 'logit'
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0, shift = 0, b: number
  do {
    if (pos >= buf.length) throw new Error('truncated protobuf varint')
    b = buf[pos++]!
    result += (b & 0x7f) * 2 ** shift
    shift += 7
  } while (b & 0x80)
  return [result, pos]
}

/** Iterate (field, wireType, value|bytes) over one protobuf message. */
function* fields(buf: Uint8Array): Generator<{field: number; bytes?: Uint8Array}> {
  let p = 0
  while (p < buf.length) {
    let tag: number
    ;[tag, p] = readVarint(buf, p)
    const field = Math.floor(tag / 8), wire = tag & 7
    if (wire === 0) [, p] = readVarint(buf, p)
    else if (wire === 1) p += 8
    else if (wire === 5) p += 4
    else if (wire === 2) {
      let len: number
      ;[len, p] = readVarint(buf, p)
      if (p + len > buf.length) throw new Error('truncated protobuf field')
      yield {field, bytes: buf.subarray(p, p + len)}
      p += len
      continue
    } else throw new Error(`unsupported protobuf wire type ${wire}`)
    yield {field}
  }
}

/** ModelProto.metadata_props (field 14: StringStringEntryProto {key = 1, value = 2}). */
export function readOnnxMetadataProps(model: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {}
  const dec = new TextDecoder()
  for (const f of fields(model)) {
    if (f.field !== 14 || !f.bytes) continue
    let key = '', value = ''
    for (const g of fields(f.bytes)) {
      if (g.field === 1 && g.bytes) key = dec.decode(g.bytes)
      if (g.field === 2 && g.bytes) value = dec.decode(g.bytes)
    }
    out[key] = value
  }
  return out
}

function numberList(s: string | undefined, key: string): number[] | undefined {
  if (s === undefined || s.trim() === '' || s === 'none') return undefined
  const xs = s.split(',').map((v) => Number(v.trim()))
  if (xs.length !== 3 || xs.some((v) => !Number.isFinite(v))) throw new Error(`metadata ${key} must be three numbers, got "${s}"`)
  return xs
}

export function parseDetectorMetadata(props: Record<string, string>): DetectorMetadata {
  const size = props[META.inputSize]
  const inputSize = size === undefined ? undefined : Number(size)
  if (inputSize !== undefined && (!Number.isInteger(inputSize) || inputSize <= 0)) throw new Error(`metadata ${META.inputSize} must be a positive integer, got "${size}"`)
  const layout = (props[META.layout] ?? 'NCHW').toUpperCase()
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new Error(`metadata ${META.layout} must be NCHW or NHWC, got "${layout}"`)
  const output = props[META.output] ?? 'probability'
  if (output !== 'probability' && output !== 'logit') throw new Error(`metadata ${META.output} must be probability or logit, got "${output}"`)
  const mean = numberList(props[META.mean], META.mean)
  const std = numberList(props[META.std], META.std)
  const arch = props[META.architecture]
  return {
    ...(inputSize !== undefined ? {inputSize} : {}),
    layout,
    ...(mean ? {mean} : {}),
    ...(std ? {std} : {}),
    ...(arch ? {architecture: arch} : {}),
    output,
  }
}
