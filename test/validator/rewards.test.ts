import {describe, expect, it} from '@jest/globals'

import {reward} from '../../src/validator/reward.js'
import {
  accuracy,
  appendAnswer,
  brier,
  mcc,
  mccReward,
  parseRewardMode,
  resyncHistories,
  sn34Reward,
  sn34Score,
  stepRewards,
  validPrediction,
  type Answer,
} from '../../src/validator/rewards.js'

/** n answers alternating fake, real, fake, …; `p(label)` is the miner's answer */
function alternating(n: number, p: (label: 0 | 1) => number | null): Answer[] {
  return Array.from({length: n}, (_, i) => {
    const label = (i % 2 === 0 ? 1 : 0) as 0 | 1
    return {label, prediction: p(label)}
  })
}

const perfect = alternating(10, (l) => (l === 1 ? 0.9 : 0.1))
const inverted = alternating(10, (l) => (l === 1 ? 0.1 : 0.9))
const constant08 = alternating(10, () => 0.8)
const constant05 = alternating(10, () => 0.5)
const allFake = Array.from({length: 10}, (): Answer => ({label: 1, prediction: 0.9}))

describe('MCC, accuracy and Brier on hand-computed windows', () => {
  it('perfect and inverted miners', () => {
    expect(mcc(perfect)).toBe(1)
    expect(accuracy(perfect)).toBe(1)
    expect(brier(perfect)).toBeCloseTo(0.01, 12) // every answer 0.1 away from its label
    expect(mcc(inverted)).toBe(-1)
    expect(accuracy(inverted)).toBe(0)
    expect(brier(inverted)).toBeCloseTo(0.81, 12)
  })

  it('a mixed confusion matrix: TP 3, TN 4, FP 1, FN 2 → (12 − 2)/√(4·5·5·6) = 0.408248', () => {
    const w: Answer[] = [
      ...Array(3).fill({label: 1, prediction: 0.7}),
      ...Array(2).fill({label: 1, prediction: 0.2}),
      ...Array(4).fill({label: 0, prediction: 0.3}),
      {label: 0, prediction: 0.6},
    ]
    expect(mcc(w)).toBeCloseTo(0.408248, 6)
    expect(accuracy(w)).toBeCloseTo(0.7, 12)
  })

  it('MCC is 0 where it is undefined: constant decisions or a one-class window', () => {
    expect(mcc(constant08)).toBe(0) // TN = FN = 0: the denominator vanishes
    expect(mcc(constant05)).toBe(0) // 0.5 rounds to "real" as in numpy: constant, no information (not −1)
    expect(mcc(allFake)).toBe(0) // only one class was sent
    expect(mcc([])).toBe(0)
  })

  it('accuracy is the binary reward averaged (0.5 is no decision), over valid answers only', () => {
    expect(accuracy(constant08)).toBe(0.5)
    expect(accuracy(constant05)).toBe(0)
    expect(accuracy([{label: 1, prediction: null}, {label: 1, prediction: 0.9}])).toBe(1)
    expect(accuracy([{label: 1, prediction: null}])).toBe(0)
    expect(brier([])).toBe(0.25)
    expect(brier([{label: 1, prediction: 1}])).toBeCloseTo(1e-14, 20) // clipped to 1 − 1e-7 as gasbench does
  })
})

describe('mcc rule (v1.2.9: 0.5·MCC(last 100) + 0.5·accuracy(last 10))', () => {
  it('perfect 1, inverted −0.5, constant 0.8 0.25, constant 0.5 0, one class 0.5', () => {
    expect(mccReward(perfect)).toBe(1)
    expect(mccReward(inverted)).toBe(-0.5)
    expect(mccReward(constant08)).toBe(0.25)
    expect(mccReward(constant05)).toBe(0)
    expect(mccReward(allFake)).toBe(0.5)
  })

  it('takes MCC over the last 100 and accuracy over the last 10 challenges', () => {
    // 90 right answers (45 per class), then 10 wrong (5 per class): TP = TN = 45, FP = FN = 5
    // MCC = (45·45 − 5·5)/(50·50) = 0.8; accuracy over the last 10 = 0 → 0.4
    let h: Answer[] = []
    for (const a of alternating(90, (l) => (l === 1 ? 0.9 : 0.1))) h = appendAnswer(h, a)
    for (const a of alternating(10, (l) => (l === 1 ? 0.1 : 0.9))) h = appendAnswer(h, a)
    expect(mcc(h)).toBeCloseTo(0.8, 12)
    expect(mccReward(h)).toBeCloseTo(0.4, 12)
    // 100 more right answers push every wrong one out of both windows
    for (const a of alternating(100, (l) => (l === 1 ? 0.9 : 0.1))) h = appendAnswer(h, a)
    expect(h).toHaveLength(100)
    expect(mccReward(h)).toBe(1)
  })

  it('counts unanswered challenges as slots of the window, not as answers', () => {
    // the last 10 slots: 9 timeouts and one right answer → accuracy 1 over the one valid answer
    const h: Answer[] = [...inverted, ...Array.from({length: 9}, (): Answer => ({label: 0, prediction: null})), {label: 1, prediction: 0.9}]
    expect(accuracy(h.slice(-10))).toBe(1)
    // MCC over all 11 valid answers: TP 1, FN 5, FP 5, TN 0 → (0 − 25)/√(6·6·5·5) = −25/30
    expect(mccReward(h)).toBeCloseTo(0.5 * (-25 / 30) + 0.5, 12)
  })
})

describe('sn34 rule (HEAD: √(((MCC+1)/2)^1.2 · ((0.25 − Brier)/0.25)^1.8))', () => {
  it('perfect: MCC 1, Brier 0.01 → 0.96^0.9 = 0.963927', () => {
    expect(sn34Score(perfect)).toBeCloseTo(0.963927, 6)
    expect(sn34Score(alternating(10, (l) => l))).toBeCloseTo(1, 6) // confident and right
  })

  it('inverted, constant and coin-flip answers hit the 1e-6 floor (Brier ≥ 0.25 normalises to 0)', () => {
    expect(sn34Score(inverted)).toBeCloseTo(1e-6, 12)
    expect(sn34Score(constant08)).toBeCloseTo(1e-6, 12) // Brier (5·0.04 + 5·0.64)/10 = 0.34
    expect(sn34Score(constant05)).toBeCloseTo(1e-6, 12) // Brier 0.25 exactly
    expect(sn34Score([])).toBeCloseTo(1e-6, 12)
  })

  it('one class only: MCC 0 → 0.5^1.2 = 0.435275, Brier 0.01 → 0.96^1.8 = 0.929155, √product = 0.635955', () => {
    expect(sn34Score(allFake)).toBeCloseTo(0.635955, 6)
  })

  it('a mixed window: MCC 0.408248, Brier 0.115 → 0.4653', () => {
    // TP 3 (0.9), FN 2 (0.4), TN 4 (0.1), FP 1 (0.6): the confusion matrix above
    const w: Answer[] = [
      ...Array(3).fill({label: 1, prediction: 0.9}),
      ...Array(2).fill({label: 1, prediction: 0.4}),
      ...Array(4).fill({label: 0, prediction: 0.1}),
      {label: 0, prediction: 0.6},
    ]
    // Brier = (3·0.01 + 2·0.36 + 4·0.01 + 0.36)/10 = 0.115
    // ((0.408248 + 1)/2)^1.2 = 0.704124^1.2 = 0.65640; ((0.25 − 0.115)/0.25)^1.8 = 0.54^1.8 = 0.32986; √(0.21652) = 0.46532
    expect(brier(w)).toBeCloseTo(0.115, 12)
    expect(sn34Score(w)).toBeCloseTo(0.46532, 4)
  })

  it('scores the last 100 challenges', () => {
    let h: Answer[] = []
    for (const a of inverted) h = appendAnswer(h, a)
    for (const a of alternating(100, (l) => (l === 1 ? 0.9 : 0.1))) h = appendAnswer(h, a)
    expect(sn34Reward(h)).toBeCloseTo(0.963927, 6)
  })
})

describe('stepRewards', () => {
  it('records every answer, rewards by mode, gives 0 for an invalid answer now, and leaves its inputs alone', () => {
    const histories: Answer[][] = [[], [...perfect], [...perfect], []]
    const before = JSON.stringify(histories)
    const preds = [0.9, 'garbage', 0.2]
    const binary = stepRewards('binary', histories, [1, 2, 3], preds, 1)
    expect(binary.rewards).toEqual(preds.map((p) => reward(p, 1)))
    expect(binary.histories[2]!.at(-1)).toEqual({label: 1, prediction: null})
    expect(binary.histories[3]).toEqual([{label: 1, prediction: 0.2}])
    expect(JSON.stringify(histories)).toBe(before)

    const m = stepRewards('mcc', histories, [1, 2, 3], preds, 1)
    expect(m.rewards[0]).toBe(mccReward([...perfect, {label: 1, prediction: 0.9}]))
    expect(m.rewards[1]).toBe(0) // a good record, but no valid answer this time
    expect(m.rewards[2]).toBe(0) // first answer, wrong: MCC undefined, accuracy 0
    const s = stepRewards('sn34', histories, [1], [0.9], 1)
    expect(s.rewards[0]).toBeCloseTo(sn34Score([...perfect, {label: 1, prediction: 0.9}]), 12)
    expect(() => stepRewards('mcc', histories, [7], [0.9], 1)).toThrow(/uid 7/)
  })

  it('validates answers and modes', () => {
    expect([0, 0.3, 1].map(validPrediction)).toEqual([0, 0.3, 1])
    expect([-1, 1.01, NaN, Infinity, '0.5', undefined, null, {}].map(validPrediction)).toEqual(Array(8).fill(null))
    expect(parseRewardMode('sn34')).toBe('sn34')
    expect(() => parseRewardMode('mse')).toThrow(/binary, mcc, sn34/)
  })
})

describe('resyncHistories', () => {
  it('keeps histories of unchanged hotkeys, empties changed and new uids, drops a shrunk tail', () => {
    const h: Answer[][] = [[{label: 1, prediction: 0.9}], [{label: 0, prediction: 0.1}], [{label: 0, prediction: 0.4}]]
    expect(resyncHistories(h, ['a', 'b', 'c'], ['a', 'B', 'c', 'd'])).toEqual([h[0], [], h[2], []])
    expect(resyncHistories(h, ['a', 'b', 'c'], ['a'])).toEqual([h[0]])
    expect(resyncHistories([], [], ['a', 'b'])).toEqual([[], []])
  })
})
