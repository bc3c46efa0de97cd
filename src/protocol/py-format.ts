/**
 * Python's `str()` / `json.dumps` spellings of values, so headers and bodies match a Python peer byte for byte.
 * Python prints floats with a fractional part (`12.0`), exponents as `1e-05`, and `json.dumps` separates with
 * `", "` and `": "` and escapes every non-ASCII character.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyFloatStr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  const abs = Math.abs(x)
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python repr switches to exponent form at these bounds and pads the exponent to two digits.
    const [mant, exp] = x.toExponential().split('e') as [string, string]
    const sign = exp.startsWith('-') ? '-' : '+'
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0')
    return `${mant}e${sign}${digits}`
  }
  const s = String(x)
  return Number.isInteger(x) ? `${s}.0` : s
}

/** Printable ASCII: Python and JSON.stringify spell it the same (only `"` and `\` escaped). Base64 images are this. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

function pyJsonString(s: string): string {
  if (PRINTABLE_ASCII.test(s)) return JSON.stringify(s)
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (code < 0x20 || (code > 0x7e && code <= 0xffff)) out += '\\u' + code.toString(16).padStart(4, '0')
    else if (code > 0xffff) {
      const v = code - 0x10000
      out += '\\u' + (0xd800 + (v >> 10)).toString(16) + '\\u' + (0xdc00 + (v & 0x3ff)).toString(16)
    } else out += ch
  }
  return out + '"'
}

/** `json.dumps(value)` with Python's defaults; numbers wrapped in PyFloat print as floats. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value instanceof PyFloat) {
    const s = pyFloatStr(value.value)
    return s === 'nan' ? 'NaN' : s === 'inf' ? 'Infinity' : s === '-inf' ? '-Infinity' : s
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatStr(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return pyJsonString(value)
  if (Array.isArray(value)) return '[' + value.map(pyJsonDumps).join(', ') + ']'
  if (typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`).join(', ') + '}'
  }
  throw new Error(`cannot serialise ${typeof value}`)
}

/** CPython 3.11 `sys.getsizeof` of a str-keyed dict with n entries grown by insertion (the `header_size` header). */
export function pyDictSizeOf(n: number): number {
  const steps: Array<[number, number]> = [[0, 64], [5, 184], [10, 272], [21, 464], [42, 832], [85, 1584], [170, 3120]]
  if (n === 0) return 64
  for (const [max, size] of steps) if (n <= max) return size
  return 6192
}
