import {z} from 'zod'

/**
 * `TerminalInfo` of the Python SDK: what one end of a call says about itself. Every field is optional; `nonce`
 * is nanoseconds since the epoch (~1.7e18) and so a BigInt here.
 */
export interface TerminalInfo {
  status_code?: number | null
  status_message?: string | null
  process_time?: number | null
  ip?: string | null
  port?: number | null
  version?: number | null
  nonce?: bigint | null
  uuid?: string | null
  hotkey?: string | null
  signature?: string | null
}

/** Declaration order of the Python model: headers and bodies list the fields in this order. */
export const TERMINAL_FIELDS = [
  'status_code', 'status_message', 'process_time', 'ip', 'port', 'version', 'nonce', 'uuid', 'hotkey', 'signature',
] as const

export type TerminalField = (typeof TERMINAL_FIELDS)[number]

const coercedInt = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform((v) => Number(v)).pipe(z.number().int())
const coercedFloat = z.union([z.number(), z.string()]).transform((v) => Number(v)).pipe(z.number())
const coercedBigint = z
  .union([z.bigint(), z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => BigInt(v))

/** Parses header strings or JSON values, as pydantic coerces them on the Python side. */
export const terminalInfoSchema = z.object({
  status_code: coercedInt.nullish(),
  status_message: z.string().nullish(),
  process_time: coercedFloat.nullish(),
  ip: z.string().nullish(),
  port: coercedInt.nullish(),
  version: coercedInt.nullish(),
  nonce: coercedBigint.nullish(),
  uuid: z.string().nullish(),
  hotkey: z.string().nullish(),
  signature: z.string().nullish(),
})
