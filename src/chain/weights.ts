import {U16_MAX} from './rules.js'
import {roundHalfEven} from '../config/rounding.js'

export {roundHalfEven}

/** Weights as the chain takes them: u16 values (max 65535) for u16 uids, zeros dropped. */
export interface U16Weights {
  uids: number[]
  weights: number[]
}

const isU16 = (x: number): boolean => Number.isInteger(x) && x >= 0 && x <= U16_MAX

/** Throws unless `w` is u16 uids and u16 values of the same length. */
export function assertU16Weights(w: U16Weights): void {
  if (w.uids.length !== w.weights.length) throw new Error(`uids (${w.uids.length}) and weights (${w.weights.length}) differ in length`)
  for (const u of w.uids) if (!isU16(u)) throw new Error(`uid ${u} is not a u16`)
  for (const v of w.weights) if (!isU16(v)) throw new Error(`weight ${v} is not a u16`)
}

/**
 * The SDK's `convert_weights_and_uids_for_emit`: w / max(w) · 65535 rounded with Python's `round` (half to even),
 * zeros dropped. Non-positive and non-finite weights are dropped here (the SDK raises on negatives).
 */
export function weightsForEmit(uids: readonly number[], weights: readonly number[]): U16Weights {
  if (uids.length !== weights.length) throw new Error(`uids (${uids.length}) and weights (${weights.length}) differ in length`)
  for (const u of uids) if (!isU16(u)) throw new Error(`uid ${u} is not a u16`)
  const max = Math.max(0, ...weights.filter((w) => Number.isFinite(w)))
  if (max <= 0) return {uids: [], weights: []}
  const outU: number[] = []
  const outW: number[] = []
  uids.forEach((u, i) => {
    const w = weights[i]!
    if (!(w > 0) || !Number.isFinite(w)) return
    const v = roundHalfEven((w / max) * U16_MAX)
    if (v <= 0) return
    outU.push(u)
    outW.push(v)
  })
  return {uids: outU, weights: outW}
}
