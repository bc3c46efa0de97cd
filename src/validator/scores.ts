/**
 * The validator's moving-average scores over all uids (docs/ARCHITECTURE.md § Challenges and scoring): scores ← α·r + (1−α)·scores, where r is the step's
 * reward at each queried uid and 0 elsewhere, so miners that are not queried decay. NaN anywhere becomes 0.
 */
export function updateScores(scores: readonly number[], uids: readonly number[], stepRewards: readonly number[], alpha: number): number[] {
  if (uids.length !== stepRewards.length) {
    throw new Error(`updateScores: ${uids.length} uids but ${stepRewards.length} rewards`)
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`moving average alpha must be in [0, 1], got ${alpha}`)
  const scattered = new Array<number>(scores.length).fill(0)
  uids.forEach((uid, i) => {
    if (!Number.isInteger(uid) || uid < 0 || uid >= scores.length) {
      throw new Error(`updateScores: uid ${uid} outside 0..${scores.length - 1}`)
    }
    const r = stepRewards[i]!
    scattered[uid] = Number.isFinite(r) ? r : 0
  })
  return scores.map((s, uid) => {
    const next = alpha * scattered[uid]! + (1 - alpha) * (Number.isFinite(s) ? s : 0)
    return Number.isFinite(next) ? next : 0
  })
}

/**
 * Align saved scores with the current metagraph: a uid whose hotkey changed (deregistered and taken by someone
 * else) restarts from 0; a grown metagraph gets zeros for the new uids; a shrunk one drops the tail.
 */
export function resyncScores(
  scores: readonly number[],
  previousHotkeys: readonly string[],
  currentHotkeys: readonly string[],
): {scores: number[]; reset: number[]} {
  const reset: number[] = []
  const next = currentHotkeys.map((hotkey, uid) => {
    if (uid >= scores.length || uid >= previousHotkeys.length) return 0
    if (previousHotkeys[uid] !== hotkey) {
      reset.push(uid)
      return 0
    }
    const s = scores[uid]!
    return Number.isFinite(s) ? s : 0
  })
  return {scores: next, reset}
}
