import {createHash} from 'node:crypto'

import {z} from 'zod'

import {PyFloat, pyDictSizeOf, pyFloatStr, pyJsonDumps} from './py-format.js'
import {TERMINAL_FIELDS, terminalInfoSchema, type TerminalInfo} from './terminal-info.js'

/**
 * A synapse type: its name (the route `POST /{name}`), its own fields with their defaults, and what the Python
 * class declares about them. Declared once; the axon, the dendrite and the codecs all read it.
 */
export interface SynapseType<F extends Record<string, unknown>> {
  readonly name: string
  /** zod schema of the synapse's own fields; every field has a default unless listed in `requiredFields`. */
  readonly fields: z.ZodType<F>
  /** Own fields in declaration order (the Python JSON body lists them in this order). */
  readonly fieldOrder: readonly (keyof F & string)[]
  /** Fields Python types as `float` (printed `12.0`, not `12`). */
  readonly floatFields: readonly (keyof F & string)[]
  /** Python `required_hash_fields`: hashed into `computed_body_hash` and so covered by the signature. */
  readonly requiredHashFields: readonly (keyof F & string)[]
  /** Fields without a default: sent as `bt_header_input_obj_{field}` (base64 of the JSON of an empty value). */
  readonly requiredFields: readonly (keyof F & string)[]
  /** Semantic checks the axon runs on a received synapse before the forward (throw to reject with 400). */
  readonly validate?: (fields: F) => Promise<void>
}

export interface SynapseEnvelope {
  name: string
  timeout: number
  total_size: number
  header_size: number
  dendrite: TerminalInfo
  axon: TerminalInfo
  computed_body_hash: string
}

export type Synapse<F extends Record<string, unknown>> = SynapseEnvelope & F

export const DEFAULT_TIMEOUT_S = 12

export function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex')
}

/** Python `str(value)` for a field value inside the body hash. */
function pyStr(value: unknown, isFloat: boolean): string {
  if (typeof value === 'number') return isFloat ? pyFloatStr(value) : String(value)
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  throw new Error('hashing only supports scalar fields; declare a custom hash for structured fields')
}

/** `Synapse.body_hash`: SHA3-256 over the concatenated SHA3-256 hex digests of `str(field)` per required hash field. */
export function bodyHash<F extends Record<string, unknown>>(type: SynapseType<F>, fields: F): string {
  const parts = type.requiredHashFields.map((f) => sha3Hex(pyStr(fields[f], type.floatFields.includes(f))))
  return sha3Hex(parts.join(''))
}

export function newSynapse<F extends Record<string, unknown>>(type: SynapseType<F>, fields: Partial<F> = {}): Synapse<F> {
  const own = type.fields.parse(fields)
  return {
    name: type.name,
    timeout: DEFAULT_TIMEOUT_S,
    total_size: 0,
    header_size: 0,
    dendrite: {},
    axon: {},
    computed_body_hash: '',
    ...own,
  }
}

export function ownFields<F extends Record<string, unknown>>(type: SynapseType<F>, synapse: Synapse<F>): F {
  const out: Record<string, unknown> = {}
  for (const f of type.fieldOrder) out[f] = synapse[f]
  return out as F
}

function terminalForJson(info: TerminalInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of TERMINAL_FIELDS) {
    const v = info[k]
    out[k] = v === undefined ? null : k === 'process_time' && typeof v === 'number' ? new PyFloat(v) : v
  }
  return out
}

/** `synapse.model_dump()` as `json.dumps` writes it: what a Python dendrite posts and a Python axon answers. */
export function toJsonBody<F extends Record<string, unknown>>(type: SynapseType<F>, synapse: Synapse<F>): string {
  const body: Record<string, unknown> = {
    name: synapse.name,
    timeout: new PyFloat(synapse.timeout),
    total_size: synapse.total_size,
    header_size: synapse.header_size,
    dendrite: terminalForJson(synapse.dendrite),
    axon: terminalForJson(synapse.axon),
    computed_body_hash: synapse.computed_body_hash,
  }
  for (const f of type.fieldOrder) {
    const v = synapse[f]
    body[f] = type.floatFields.includes(f) && typeof v === 'number' ? new PyFloat(v) : v
  }
  return pyJsonDumps(body)
}

/** Sets `total_size` to the byte length of the body that carries it (a fixed point: the number is in the body). */
export function setTotalSize<F extends Record<string, unknown>>(type: SynapseType<F>, synapse: Synapse<F>): void {
  for (let i = 0; i < 4; i++) {
    const size = Buffer.byteLength(toJsonBody(type, synapse))
    if (size === synapse.total_size) return
    synapse.total_size = size
  }
}

/** JSON.parse that keeps the (> 2^53) nonces exact by reading them as strings first. */
export function parseJsonKeepingNonces(text: string): unknown {
  return JSON.parse(text.replace(/("nonce"\s*:\s*)(-?\d+)/g, '$1"$2"'))
}

const envelopeBodySchema = z.object({
  name: z.string().optional(),
  timeout: z.number().nullish(),
  total_size: z.number().nullish(),
  header_size: z.number().nullish(),
  dendrite: terminalInfoSchema.nullish(),
  axon: terminalInfoSchema.nullish(),
  computed_body_hash: z.string().nullish(),
})

/** Validate a JSON body (request or response) into a synapse; throws a ZodError naming the bad field. */
export function fromJsonBody<F extends Record<string, unknown>>(type: SynapseType<F>, text: string): Synapse<F> {
  const raw = parseJsonKeepingNonces(text)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('body is not a JSON object')
  const env = envelopeBodySchema.parse(raw)
  const own = type.fields.parse(raw)
  return {
    name: env.name ?? type.name,
    timeout: env.timeout ?? DEFAULT_TIMEOUT_S,
    total_size: env.total_size ?? 0,
    header_size: env.header_size ?? 0,
    dendrite: env.dendrite ?? {},
    axon: env.axon ?? {},
    computed_body_hash: env.computed_body_hash ?? '',
    ...own,
  }
}

function terminalHeaders(prefix: string, info: TerminalInfo, out: Record<string, string>): void {
  for (const k of TERMINAL_FIELDS) {
    const v = info[k]
    if (v === undefined || v === null) continue
    out[`${prefix}${k}`] = typeof v === 'number' && k === 'process_time' ? pyFloatStr(v) : String(v)
  }
}

/** An empty value of a field's JSON type, as Python's `type(value)()` makes it for `bt_header_input_obj_*`. */
function emptyJsonOf(value: unknown): string {
  if (typeof value === 'string') return '""'
  if (typeof value === 'number') return Number.isInteger(value) ? '0' : '0.0'
  if (typeof value === 'boolean') return 'false'
  if (Array.isArray(value)) return '[]'
  if (value && typeof value === 'object') return '{}'
  return 'null'
}

/** `Synapse.to_headers()`: the header set a Python dendrite sends and a Python axon answers with. */
export function toHeaders<F extends Record<string, unknown>>(
  type: SynapseType<F>,
  synapse: Synapse<F>,
  totalSize: number,
): Record<string, string> {
  const headers: Record<string, string> = {name: synapse.name, timeout: pyFloatStr(synapse.timeout)}
  terminalHeaders('bt_header_axon_', synapse.axon, headers)
  terminalHeaders('bt_header_dendrite_', synapse.dendrite, headers)
  for (const f of type.requiredFields) {
    const v = synapse[f]
    if (v === undefined || v === null) continue
    headers[`bt_header_input_obj_${f}`] = Buffer.from(emptyJsonOf(v)).toString('base64')
  }
  headers.header_size = String(pyDictSizeOf(Object.keys(headers).length))
  headers.total_size = String(totalSize)
  headers.computed_body_hash = synapse.computed_body_hash
  return headers
}

export interface ParsedHeaders {
  name?: string
  timeout?: number
  dendrite: TerminalInfo
  axon: TerminalInfo
  computedBodyHash?: string
}

/** `Synapse.from_headers()` minus the input objects: the envelope an axon reads before it trusts the body. */
export function parseHeaders(headers: Record<string, string | string[] | undefined>): ParsedHeaders {
  const dendrite: Record<string, string> = {}
  const axon: Record<string, string> = {}
  for (const [rawKey, rawVal] of Object.entries(headers)) {
    const val = Array.isArray(rawVal) ? rawVal[0] : rawVal
    if (val === undefined) continue
    const key = rawKey.toLowerCase()
    if (key.startsWith('bt_header_dendrite_')) dendrite[key.slice('bt_header_dendrite_'.length)] = val
    else if (key.startsWith('bt_header_axon_')) axon[key.slice('bt_header_axon_'.length)] = val
  }
  const pick = (k: string) => {
    const v = headers[k]
    return Array.isArray(v) ? v[0] : v
  }
  const timeout = pick('timeout')
  return {
    name: pick('name'),
    timeout: timeout === undefined ? undefined : z.coerce.number().positive().parse(timeout),
    dendrite: terminalInfoSchema.parse(dendrite),
    axon: terminalInfoSchema.parse(axon),
    computedBodyHash: pick('computed_body_hash'),
  }
}
