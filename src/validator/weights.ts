/**
 * Scores → weights on chain, following the bittensor SDK (utils/weight_utils: process_weights_for_netuid,
 * normalize_max_weight, convert_weights_and_uids_for_emit) so our validator sets the same weights the Python one
 * would for the same scores and hyperparameters. The u16 conversion itself is the chain client's (src/chain/weights.ts).
 */
import {U16_MAX} from '../chain/rules.js'
import {weightsForEmit} from '../chain/weights.js'

/** Sum to 1 with no entry above `limit`, by clipping the largest entries at a common cutoff (SDK semantics). */
export function normalizeMaxWeight(x: readonly number[], limit = 0.1): number[] {
  const epsilon = 1e-7
  const n = x.length
  const total = x.reduce((a, b) => a + b, 0)
  if (n === 0) return []
  if (total === 0 || n * limit <= 1) return x.map(() => 1 / n)
  const values = [...x].sort((a, b) => a - b)
  const estimation = values.map((v) => v / total)
  if (Math.max(...estimation) <= limit) return x.map((v) => v / total)
  const cumsum: number[] = []
  estimation.reduce((acc, v, i) => (cumsum[i] = acc + v), 0)
  let nValues = 0
  for (let i = 0; i < n; i++) {
    const estimationSum = (n - i - 1) * estimation[i]!
    if (estimation[i]! / (estimationSum + cumsum[i]! + epsilon) < limit) nValues++
  }
  // nValues ≥ 1 here: the smallest entry always passes the test when max > limit and n·limit > 1.
  const cutoffScale = (limit * cumsum[nValues - 1]! - epsilon) / (1 - limit * (n - nValues))
  const cutoff = cutoffScale * total
  const clipped = x.map((v) => (v > cutoff ? cutoff : v))
  const clippedTotal = clipped.reduce((a, b) => a + b, 0)
  return clipped.map((v) => v / clippedTotal)
}

/** Linear-interpolated quantile, as numpy's default. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export interface ProcessWeightsOptions {
  /** metagraph size */
  numNeurons: number
  /** hyperparameter MinAllowedWeights */
  minAllowedWeights: number
  /** hyperparameter MaxWeightsLimit / 65535 */
  maxWeightLimit: number
  excludeQuantile?: number
}

/** The SDK's process_weights: keep positive weights (or pad to the minimum count), then cap at the max weight limit. */
export function processWeights(
  uids: readonly number[],
  weights: readonly number[],
  opts: ProcessWeightsOptions,
): {uids: number[]; weights: number[]} {
  const {numNeurons, minAllowedWeights, maxWeightLimit} = opts
  const nzIdx = weights.map((w, i) => (w > 0 ? i : -1)).filter((i) => i >= 0)
  const nzUids = nzIdx.map((i) => uids[i]!)
  const nzWeights = nzIdx.map((i) => weights[i]!)
  const all = Array.from({length: numNeurons}, (_, i) => i)
  if (nzWeights.length === 0 || numNeurons < minAllowedWeights) {
    return {uids: all, weights: all.map(() => 1 / numNeurons)}
  }
  if (nzWeights.length < minAllowedWeights) {
    const padded = all.map(() => 1e-5)
    nzIdx.forEach((i, j) => (padded[i] = padded[i]! + nzWeights[j]!))
    return {uids: all, weights: normalizeMaxWeight(padded, maxWeightLimit)}
  }
  const q = (opts.excludeQuantile ?? 0) / U16_MAX
  const maxExclude = Math.max(0, nzWeights.length - minAllowedWeights) / nzWeights.length
  const lowest = quantile(nzWeights, Math.min(q, maxExclude))
  const keep = nzWeights.map((w) => lowest <= w)
  const keptUids = nzUids.filter((_, i) => keep[i])
  const keptWeights = nzWeights.filter((_, i) => keep[i])
  return {uids: keptUids, weights: normalizeMaxWeight(keptWeights, maxWeightLimit)}
}

/**
 * Max-upscale to u16 and drop zeros (SDK convert_weights_and_uids_for_emit), raising as the SDK does on negative
 * input; the conversion is the chain client's weightsForEmit.
 */
export function convertWeightsForEmit(uids: readonly number[], weights: readonly number[]): {uids: number[]; weights: number[]} {
  if (uids.length !== weights.length) throw new Error(`${uids.length} uids but ${weights.length} weights`)
  if (weights.some((w) => w < 0)) throw new Error('a weight is negative: it cannot exist on chain')
  if (uids.some((u) => u < 0)) throw new Error('a uid is negative')
  return weightsForEmit(uids, weights)
}

/** L1-normalise scores (NaN → 0), apply the chain's limits, emit u16: what the validator sends to setWeights. */
export function weightsForChain(
  scores: readonly number[],
  opts: ProcessWeightsOptions,
): {uids: number[]; weights: number[]; normalized: number[]} {
  const clean = scores.map((s) => (Number.isFinite(s) && s > 0 ? s : 0))
  const l1 = clean.reduce((a, b) => a + b, 0)
  const raw = clean.map((s) => (l1 > 0 ? s / l1 : 0))
  const processed = processWeights(
    scores.map((_, uid) => uid),
    raw,
    opts,
  )
  const emitted = convertWeightsForEmit(processed.uids, processed.weights)
  const normalized = new Array<number>(scores.length).fill(0)
  processed.uids.forEach((uid, i) => {
    if (uid < normalized.length) normalized[uid] = processed.weights[i]!
  })
  return {...emitted, normalized}
}
