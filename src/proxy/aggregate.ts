/** One miner's answer as the proxy judges it. */
export interface MinerVote {
  uid: number
  /** the miner's incentive on chain (0..1): its weight in the pool's answer */
  incentive: number
  /** the prediction it sent, if any */
  prediction?: number
  /** dendrite status: 200 is an answer, anything else a failure */
  statusCode: number
}

export interface PoolAnswer {
  /** incentive-weighted mean of the valid predictions, 0..1 */
  probability: number
  verdict: 'fake' | 'real'
  /** uids whose prediction was valid (a zero-incentive one among paid ones is valid but weighs nothing) */
  counted: number[]
}

/** A prediction counts when the miner answered (200) with a finite number in [0, 1], as the validator's reward requires. */
export function isValidPrediction<V extends Pick<MinerVote, 'prediction' | 'statusCode'>>(v: V): v is V & {prediction: number} {
  return v.statusCode === 200 && typeof v.prediction === 'number' && Number.isFinite(v.prediction) && v.prediction >= 0 && v.prediction <= 1
}

/**
 * The pool's answer: the incentive-weighted mean of the valid predictions. When every counted miner has zero (or
 * unusable) incentive — a fresh subnet before its first epoch — each counts equally. Undefined when none is valid.
 * The verdict is "fake" above 0.5: the validator rewards round(p) == label and Python rounds 0.5 to 0 (real).
 */
export function aggregate(votes: readonly MinerVote[]): PoolAnswer | undefined {
  const valid = votes.filter(isValidPrediction)
  if (valid.length === 0) return undefined
  const weightOf = (v: MinerVote) => (Number.isFinite(v.incentive) && v.incentive > 0 ? v.incentive : 0)
  const total = valid.reduce((s, v) => s + weightOf(v), 0)
  const weights = total > 0 ? valid.map((v) => weightOf(v) / total) : valid.map(() => 1 / valid.length)
  let p = valid.reduce((s, v, i) => s + weights[i]! * v.prediction, 0)
  p = Math.min(1, Math.max(0, p))
  return {probability: p, verdict: p > 0.5 ? 'fake' : 'real', counted: valid.map((v) => v.uid)}
}
