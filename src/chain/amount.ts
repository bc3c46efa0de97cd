import {z} from 'zod'

import {RAO_PER_TAO} from './rules.js'

/** A TAO amount as typed: digits with at most 9 decimals (1 rao = 1e-9 TAO), no sign, no exponent. */
const taoText = z
  .string()
  .trim()
  .regex(/^(\d+(\.\d{0,9})?|\.\d{1,9})$/, 'not a TAO amount')

/** `"1.5"` → 1_500_000_000n rao; throws a one-line message naming the flag and the bad value. */
export function parseTao(text: string, flag = '--amount'): bigint {
  const r = taoText.safeParse(text)
  if (!r.success) throw new Error(`${flag} "${text}" is not a TAO amount: use a positive number such as 1.5 (at most 9 decimals)`)
  const [whole = '', frac = ''] = r.data.split('.')
  const rao = BigInt(whole || '0') * RAO_PER_TAO + BigInt((frac + '000000000').slice(0, 9))
  if (rao === 0n) throw new Error(`${flag} "${text}" is zero: give a positive amount of TAO`)
  return rao
}

/** 1_500_000_000n → "1.5" (exact, no float rounding). */
export function formatTao(rao: bigint): string {
  const neg = rao < 0n
  const v = neg ? -rao : rao
  const whole = v / RAO_PER_TAO
  const frac = (v % RAO_PER_TAO).toString().padStart(9, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''}`
}
