import {describe, expect, it} from '@jest/globals'

import {
  accuracy, averagePrecision, computeMetrics, confusionMatrix, metricsBySource, rocAuc, rocCurve,
} from '../../src/training/metrics.js'

describe('metrics against hand-computed values', () => {
  // labels/scores worked by hand below; label 1 = fake, score > 0.5 predicts fake
  const labels = [0, 0, 1, 1]
  const scores = [0.1, 0.4, 0.35, 0.8]

  it('AP without ties: thresholds .8 (P 1, R .5), .4 (P 2/3 R .5), .35 (P 3/4, R 1), .1', () => {
    // AP = .5·1 + 0·(1/2) + .5·(2/3) = 0.8333…  (sklearn gives 0.8333333333333333)
    expect(averagePrecision(labels, scores)).toBeCloseTo(5 / 6, 12)
  })

  it('ROC AUC without ties: 3 of 4 (pos, neg) pairs ranked right', () => {
    expect(rocAuc(labels, scores)).toBeCloseTo(0.75, 12)
    const roc = rocCurve(labels, scores)
    expect(roc.fpr).toEqual([0, 0, 0.5, 0.5, 1])
    expect(roc.tpr).toEqual([0, 0.5, 0.5, 1, 1])
  })

  it('ties count as one threshold in AP and one half in AUC', () => {
    const l = [0, 1, 0, 1]
    const s = [0.5, 0.5, 0.2, 0.9]
    // thresholds .9: P 1 R .5; .5 (tied pair): P 2/3 R 1; .2: P 1/2 R 1 → AP = .5 + .5·2/3
    expect(averagePrecision(l, s)).toBeCloseTo(0.5 + 1 / 3, 12)
    // pairs: (.5,.5) tie = ½, (.5,.2) 1, (.9,.5) 1, (.9,.2) 1 → 3.5/4
    expect(rocAuc(l, s)).toBeCloseTo(0.875, 12)
    // all scores tied: AP is the positive rate, AUC one half
    expect(averagePrecision([0, 1, 1, 0, 1], [0.3, 0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.6, 12)
    expect(rocAuc([0, 1, 1, 0, 1], [0.3, 0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12)
  })

  it('confusion matrix, accuracy, precision, recall, F1 at 0.5 (0.5 itself is real)', () => {
    const l = [0, 0, 0, 1, 1, 1, 1, 0]
    const s = [0.2, 0.7, 0.5, 0.9, 0.6, 0.4, 0.51, 0.1]
    expect(confusionMatrix(l, s)).toEqual({tn: 3, fp: 1, fn: 1, tp: 3})
    expect(accuracy(l, s)).toBeCloseTo(6 / 8, 12)
    const m = computeMetrics(l, s)
    expect(m.count).toBe(8)
    expect(m.real).toBe(4)
    expect(m.fake).toBe(4)
    expect(m.realAccuracy).toBeCloseTo(0.75, 12)
    expect(m.fakeAccuracy).toBeCloseTo(0.75, 12)
    expect(m.precision).toBeCloseTo(0.75, 12)
    expect(m.recall).toBeCloseTo(0.75, 12)
    expect(m.f1).toBeCloseTo(0.75, 12)
    // sorted: .9(1) .7(0) .6(1) .51(1) .5(0) .4(1) .2(0) .1(0)
    // AP = ¼·1 + ¼·(2/3) + ¼·(3/4) + ¼·(4/6) = 0.7708333…
    expect(m.ap).toBeCloseTo((1 + 2 / 3 + 3 / 4 + 4 / 6) / 4, 12)
    // positive .9 beats 4 negatives, .6 and .51 beat 3 (.5 .2 .1), .4 beats 2: 12 of 16 pairs
    expect(m.rocAuc).toBeCloseTo(12 / 16, 12)
  })

  it('unequal precision and recall give their harmonic mean', () => {
    const m = computeMetrics([1, 1, 1, 0, 0], [0.9, 0.2, 0.3, 0.8, 0.1])
    // tp 1, fn 2, fp 1: P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4
    expect(m.precision).toBeCloseTo(0.5, 12)
    expect(m.recall).toBeCloseTo(1 / 3, 12)
    expect(m.f1).toBeCloseTo(0.4, 12)
  })

  it('one class only: AP/AUC are NaN where undefined, F1 0 when nothing is found', () => {
    expect(Number.isNaN(rocAuc([1, 1], [0.2, 0.9]))).toBe(true)
    expect(Number.isNaN(averagePrecision([0, 0], [0.2, 0.9]))).toBe(true)
    expect(averagePrecision([1, 1], [0.2, 0.9])).toBeCloseTo(1, 12)
    const m = computeMetrics([1, 1], [0.1, 0.2])
    expect(m.f1).toBe(0)
    expect(Number.isNaN(m.precision)).toBe(true)
    expect(Number.isNaN(m.realAccuracy)).toBe(true)
  })

  it('per-source breakdown groups by key', () => {
    const rows = metricsBySource([0, 0, 1, 1, 1], [0.1, 0.9, 0.8, 0.7, 0.2], ['photos', 'photos', 'esrgan-slim', 'esrgan-slim', 'esrgan-medium'])
    expect(rows.map((r) => r.source)).toEqual(['esrgan-medium', 'esrgan-slim', 'photos'])
    expect(rows.map((r) => r.accuracy)).toEqual([0, 1, 0.5])
    expect(rows.map((r) => r.count)).toEqual([1, 2, 2])
  })

  it('rejects bad input', () => {
    expect(() => computeMetrics([0, 1], [0.5])).toThrow(/differ in length/)
    expect(() => computeMetrics([0, 2], [0.5, 0.1])).toThrow(/not 0 or 1/)
    expect(() => computeMetrics([0, 1], [0.5, Number.NaN])).toThrow(/finite/)
  })
})
