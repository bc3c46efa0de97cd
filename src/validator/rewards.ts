/**
 * The three reward rules BitMind used, over a per-miner answer history:
 *   binary  testnet-168 / the seed: 1 for a right decision, else 0 (reward.ts)
 *   mcc     v1.2.9 (bitmind/validator/reward.py): 0.5·MCC over the last 100 answers + 0.5·accuracy over the last 10
 *   sn34    HEAD (docs/Incentive.md, gasbench's compute_sn34_score): √(((MCC+1)/2)^1.2 · ((0.25 − Brier)/0.25)^1.8)
 *
 * Windows count the last N challenges a miner was sent, answered or not (as v1.2.9's deque); the metrics use the
 * valid answers among them. In mcc and sn34 an invalid answer now (timeout, out of [0, 1], not a number) earns 0,
 * as v1.2.9's penalty did.
 *
 * Edge rules, and why:
 * - MCC is 0 whenever it is undefined (its denominator is 0): a window with one class only, or constant decisions.
 *   That is sklearn's and gasbench's convention, and v1.2.9 set it explicitly for one-class windows: no credit and no
 *   penalty for discrimination until the miner has been seen separating both classes.
 * - Decisions for MCC round as numpy does (p > 0.5 → fake, else real), so a constant answer of 0.5 is a constant
 *   decision with MCC 0 (no information), not −1. Accuracy is the binary reward averaged, which gives exactly 0.5
 *   nothing on either label (reward.ts says why).
 * - mcc can be negative (an inverted miner earns −0.5): so it was in v1.2.9; the moving average keeps it and weights
 *   treat negative scores as 0.
 * - sn34 follows gasbench: probabilities are clipped to [1e-7, 1 − 1e-7] for Brier, an empty window has Brier 0.25,
 *   a Brier above 0.25 normalises to 0, and the product is floored at 1e-12 before the square root, so the lowest
 *   sn34 is 1e-6, not 0.
 */
import {reward as binaryReward, type Label} from './reward.js'

export const REWARD_MODES = ['binary', 'mcc', 'sn34'] as const
export type RewardMode = (typeof REWARD_MODES)[number]

/** One challenge a miner was sent: its label and the miner's probability of "fake", or null when no valid answer. */
export interface Answer {
  label: Label
  prediction: number | null
}

/** answers kept per miner (v1.2.9's store_last_n_predictions) */
export const HISTORY_LENGTH = 100
export const MCC_WINDOW = 100
export const ACCURACY_WINDOW = 10

export function parseRewardMode(v: string): RewardMode {
  if ((REWARD_MODES as readonly string[]).includes(v)) return v as RewardMode
  throw new Error(`reward must be one of ${REWARD_MODES.join(', ')}, got "${v}"`)
}

/** A probability, or null for anything a miner can send that is not a finite number in [0, 1]. */
export function validPrediction(p: unknown): number | null {
  return typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 1 ? p : null
}

function lastValid(history: readonly Answer[], window: number): {label: Label; prediction: number}[] {
  return history.slice(-window).filter((a): a is {label: Label; prediction: number} => a.prediction !== null)
}

/** Matthews correlation of the rounded decisions with the labels; 0 where undefined. */
export function mcc(answers: readonly Answer[]): number {
  let tp = 0, tn = 0, fp = 0, fn = 0
  for (const a of answers) {
    if (a.prediction === null) continue
    const fake = a.prediction > 0.5
    if (a.label === 1) fake ? tp++ : fn++
    else fake ? fp++ : tn++
  }
  const denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
  return denominator > 0 ? (tp * tn - fp * fn) / denominator : 0
}

/** Share of valid answers that earn the binary reward; 0 when there are none. */
export function accuracy(answers: readonly Answer[]): number {
  const valid = answers.filter((a) => a.prediction !== null)
  if (valid.length === 0) return 0
  return valid.reduce((s, a) => s + binaryReward(a.prediction, a.label), 0) / valid.length
}

/** Mean squared error of the clipped probabilities against the labels; 0.25 (the coin's) when there are none. */
export function brier(answers: readonly Answer[]): number {
  const valid = answers.filter((a) => a.prediction !== null)
  if (valid.length === 0) return 0.25
  const clip = (p: number) => Math.min(1 - 1e-7, Math.max(1e-7, p))
  return valid.reduce((s, a) => s + (clip(a.prediction!) - a.label) ** 2, 0) / valid.length
}

/** v1.2.9: 0.5·MCC(last 100) + 0.5·accuracy(last 10). */
export function mccReward(history: readonly Answer[]): number {
  return 0.5 * mcc(lastValid(history, MCC_WINDOW)) + 0.5 * accuracy(lastValid(history, ACCURACY_WINDOW))
}

/** gasbench's sn34_score of a set of answers (geometric mean; α = 1.2, β = 1.8). */
export function sn34Score(answers: readonly Answer[], alpha = 1.2, beta = 1.8): number {
  const mccNorm = Math.min(1, Math.max(0, (mcc(answers) + 1) / 2)) ** alpha
  const brierNorm = Math.max(0, (0.25 - brier(answers)) / 0.25) ** beta
  return Math.min(1, Math.max(0, Math.sqrt(Math.max(1e-12, mccNorm * brierNorm))))
}

/** HEAD's rule applied to a miner's last 100 answers. */
export function sn34Reward(history: readonly Answer[]): number {
  return sn34Score(lastValid(history, MCC_WINDOW))
}

/** The history with one more answer, trimmed to the last `max`. */
export function appendAnswer(history: readonly Answer[], answer: Answer, max = HISTORY_LENGTH): Answer[] {
  const next = [...history, answer]
  return next.length > max ? next.slice(next.length - max) : next
}

/**
 * One step: record each queried miner's answer in its history (every mode keeps histories, so a validator can switch
 * rules and resume), then reward it under `mode`. Returns new arrays; the inputs are not changed.
 */
export function stepRewards(
  mode: RewardMode,
  histories: readonly (readonly Answer[])[],
  uids: readonly number[],
  predictions: readonly unknown[],
  label: Label,
): {rewards: number[]; histories: Answer[][]} {
  if (uids.length !== predictions.length) throw new Error(`stepRewards: ${uids.length} uids but ${predictions.length} predictions`)
  const next = histories.map((h) => [...h])
  const rewards = uids.map((uid, i) => {
    if (!Number.isInteger(uid) || uid < 0 || uid >= next.length) throw new Error(`stepRewards: uid ${uid} outside 0..${next.length - 1}`)
    const prediction = validPrediction(predictions[i])
    const history = appendAnswer(next[uid]!, {label, prediction})
    next[uid] = history
    if (mode === 'binary') return binaryReward(predictions[i], label)
    if (prediction === null) return 0
    return mode === 'mcc' ? mccReward(history) : sn34Reward(history)
  })
  return {rewards, histories: next}
}

/**
 * Align saved histories with the current metagraph as resyncScores does for scores: a uid whose hotkey changed
 * starts an empty history (v1.2.9's reset_miner_history), new uids start empty, a shrunk metagraph drops the tail.
 */
export function resyncHistories(
  histories: readonly (readonly Answer[])[],
  previousHotkeys: readonly string[],
  currentHotkeys: readonly string[],
): Answer[][] {
  return currentHotkeys.map((hotkey, uid) =>
    uid < histories.length && uid < previousHotkeys.length && previousHotkeys[uid] === hotkey ? [...histories[uid]!] : [],
  )
}
