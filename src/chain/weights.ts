import {U16_MAX} from './rules.js'

/**
 * The SDK's `convert_weights_and_uids_for_emit`: w / max(w) · 65535 rounded with Python's `round` (half to even),
 * zeros dropped. Non-positive and non-finite weights are dropped here (the SDK raises on negatives).
 */
export function weightsForEmit(uids: readonly number[], weights: readonly number[]): {uids: number[]; weights: number[]} {
  if (uids.length !== weights.length) throw new Error(`uids (${uids.length}) and weights (${weights.length}) differ in length`)
  for (const u of uids) if (!Number.isInteger(u) || u < 0 || u > U16_MAX) throw new Error(`uid ${u} is not a u16`)
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

export function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}
