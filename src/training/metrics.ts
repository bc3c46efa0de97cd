/**
 * Binary-classification metrics for a detector (label 1 = synthetic/fake, the positive class).
 * Pure functions: no I/O. A score > threshold (0.5) predicts fake, as the NPR and BitMind evaluators do.
 * AP and ROC AUC treat tied scores as one threshold, as scikit-learn's
 * `average_precision_score` and `roc_auc_score` do.
 */

export type Label = 0 | 1

export interface ConfusionMatrix {
  /** real predicted real */
  tn: number
  /** real predicted fake */
  fp: number
  /** fake predicted real */
  fn: number
  /** fake predicted fake */
  tp: number
}

export interface RocCurve {
  fpr: number[]
  tpr: number[]
  thresholds: number[]
}

export interface Metrics {
  count: number
  real: number
  fake: number
  accuracy: number
  realAccuracy: number
  fakeAccuracy: number
  ap: number
  rocAuc: number
  precision: number
  recall: number
  f1: number
  confusion: ConfusionMatrix
}

export const DEFAULT_THRESHOLD = 0.5

function checkInputs(labels: readonly number[], scores: readonly number[]): void {
  if (labels.length !== scores.length) {
    throw new Error(`labels (${labels.length}) and scores (${scores.length}) differ in length`)
  }
  for (const l of labels) if (l !== 0 && l !== 1) throw new Error(`label ${l} is not 0 or 1`)
  for (const s of scores) if (!Number.isFinite(s)) throw new Error(`score ${s} is not a finite number`)
}

export function confusionMatrix(labels: readonly number[], scores: readonly number[], threshold = DEFAULT_THRESHOLD): ConfusionMatrix {
  checkInputs(labels, scores)
  const cm: ConfusionMatrix = {tn: 0, fp: 0, fn: 0, tp: 0}
  for (let i = 0; i < labels.length; i++) {
    const fake = scores[i]! > threshold
    if (labels[i] === 1) fake ? cm.tp++ : cm.fn++
    else fake ? cm.fp++ : cm.tn++
  }
  return cm
}

const ratio = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b)

export function accuracy(labels: readonly number[], scores: readonly number[], threshold = DEFAULT_THRESHOLD): number {
  const cm = confusionMatrix(labels, scores, threshold)
  return ratio(cm.tp + cm.tn, labels.length)
}

/**
 * Points of the curve at each distinct score, from the highest down: cumulative true and false positives.
 * Tied scores form one point, which is what makes ties count half in AUC and together in AP.
 */
function cumulativeCounts(labels: readonly number[], scores: readonly number[]): {tps: number[]; fps: number[]; thresholds: number[]} {
  checkInputs(labels, scores)
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  const tps: number[] = [], fps: number[] = [], thresholds: number[] = []
  let tp = 0, fp = 0
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!
    if (labels[i] === 1) tp++
    else fp++
    const next = order[k + 1]
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(tp)
      fps.push(fp)
      thresholds.push(scores[i]!)
    }
  }
  return {tps, fps, thresholds}
}

/** sklearn's average_precision_score: Σ (R_n − R_{n−1}) · P_n over distinct thresholds. NaN without positives. */
export function averagePrecision(labels: readonly number[], scores: readonly number[]): number {
  const {tps, fps} = cumulativeCounts(labels, scores)
  const positives = tps.length > 0 ? tps[tps.length - 1]! : 0
  if (positives === 0) return Number.NaN
  let ap = 0, prevRecall = 0
  for (let k = 0; k < tps.length; k++) {
    const recall = tps[k]! / positives
    const precision = tps[k]! / (tps[k]! + fps[k]!)
    ap += (recall - prevRecall) * precision
    prevRecall = recall
  }
  return ap
}

/** ROC curve from (0, 0) through each distinct threshold to (1, 1); empty arrays of NaN when a class is missing. */
export function rocCurve(labels: readonly number[], scores: readonly number[]): RocCurve {
  const {tps, fps, thresholds} = cumulativeCounts(labels, scores)
  const p = tps.length > 0 ? tps[tps.length - 1]! : 0
  const n = fps.length > 0 ? fps[fps.length - 1]! : 0
  if (p === 0 || n === 0) return {fpr: [], tpr: [], thresholds: []}
  return {
    fpr: [0, ...fps.map((f) => f / n)],
    tpr: [0, ...tps.map((t) => t / p)],
    thresholds: [Number.POSITIVE_INFINITY, ...thresholds],
  }
}

/** Area under the ROC curve by the trapezoid rule (ties count one half). NaN when a class is missing. */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  const {fpr, tpr} = rocCurve(labels, scores)
  if (fpr.length === 0) return Number.NaN
  let area = 0
  for (let k = 1; k < fpr.length; k++) area += (fpr[k]! - fpr[k - 1]!) * (tpr[k]! + tpr[k - 1]!) / 2
  return area
}

export function computeMetrics(labels: readonly number[], scores: readonly number[], threshold = DEFAULT_THRESHOLD): Metrics {
  const cm = confusionMatrix(labels, scores, threshold)
  const fake = cm.tp + cm.fn
  const real = cm.tn + cm.fp
  const precision = ratio(cm.tp, cm.tp + cm.fp)
  const recall = ratio(cm.tp, fake)
  return {
    count: labels.length,
    real,
    fake,
    accuracy: ratio(cm.tp + cm.tn, labels.length),
    realAccuracy: ratio(cm.tn, real),
    fakeAccuracy: ratio(cm.tp, fake),
    ap: averagePrecision(labels, scores),
    rocAuc: rocAuc(labels, scores),
    precision,
    recall,
    // 2PR/(P+R) written in counts, so it is 0 (not NaN) when there are positives but no true positives
    f1: ratio(2 * cm.tp, 2 * cm.tp + cm.fp + cm.fn),
    confusion: cm,
  }
}

export interface SourceMetrics extends Metrics {
  source: string
}

/**
 * Metrics per source (a dataset, a generator, a photo package): samples are grouped by their key.
 * Within one source a class is often missing, so AP/AUC are NaN there and accuracy is what to read.
 */
export function metricsBySource(labels: readonly number[], scores: readonly number[], sources: readonly string[], threshold = DEFAULT_THRESHOLD): SourceMetrics[] {
  checkInputs(labels, scores)
  if (sources.length !== labels.length) throw new Error(`sources (${sources.length}) and labels (${labels.length}) differ in length`)
  const groups = new Map<string, {labels: number[]; scores: number[]}>()
  for (let i = 0; i < labels.length; i++) {
    const key = sources[i]!
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {labels: [], scores: []}))
    g.labels.push(labels[i]!)
    g.scores.push(scores[i]!)
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, g]) => ({source, ...computeMetrics(g.labels, g.scores, threshold)}))
}
