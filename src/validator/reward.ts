/**
 * BitMind's binary reward (docs/ARCHITECTURE.md § Challenges and scoring): 1 when the rounded prediction equals the label and the prediction is a
 * probability, 0 otherwise. Anything a miner can send that is not a finite number in [0, 1] — a timeout, the
 * default −1, NaN, a string, an object — scores 0.
 *
 * One deliberate difference from the Python validator: there `np.round(0.5)` is 0 (round half to even), so a miner
 * that always answers 0.5 is "right" on every real image and collects a free ~50%. Exactly 0.5 is no decision, so
 * here it earns 0 on either label.
 */
export type Label = 0 | 1

export function reward(prediction: unknown, label: Label): number {
  if (typeof prediction !== 'number' || !Number.isFinite(prediction)) return 0
  if (prediction < 0 || prediction > 1) return 0
  if (prediction === 0.5) return 0
  const decided = prediction > 0.5 ? 1 : 0
  return decided === label ? 1 : 0
}

export function rewards(predictions: readonly unknown[], label: Label): number[] {
  return predictions.map((p) => reward(p, label))
}
