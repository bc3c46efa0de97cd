import {describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {reward, rewards} from '../../src/validator/reward.js'
import {shouldSetWeights} from '../../src/validator/schedule.js'
import {resyncScores, updateScores} from '../../src/validator/scores.js'
import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'
import {isAvailableMiner, sampleMinerUids} from '../../src/validator/uids.js'
import {convertWeightsForEmit, normalizeMaxWeight, processWeights, weightsForChain} from '../../src/validator/weights.js'

describe('reward', () => {
  it('is 1 only for a decided probability on the right side', () => {
    expect(reward(0.9, 1)).toBe(1)
    expect(reward(1, 1)).toBe(1)
    expect(reward(0.51, 1)).toBe(1)
    expect(reward(0.2, 0)).toBe(1)
    expect(reward(0, 0)).toBe(1)
    expect(reward(0.9, 0)).toBe(0)
    expect(reward(0.1, 1)).toBe(0)
  })
  it('is 0 for timeouts, -1, NaN, out of range and garbage', () => {
    for (const bad of [undefined, null, -1, NaN, Infinity, -0.1, 1.2, '0.9', {p: 1}, [1], true]) {
      expect(reward(bad, 1)).toBe(0)
      expect(reward(bad, 0)).toBe(0)
    }
  })
  it('gives an undecided 0.5 nothing on either label', () => {
    expect(reward(0.5, 0)).toBe(0)
    expect(reward(0.5, 1)).toBe(0)
    expect(rewards([0.5, 0.7, 0.3, NaN], 1)).toEqual([0, 1, 0, 0])
  })
})

describe('updateScores', () => {
  it('moves queried uids toward their reward and decays the rest', () => {
    const next = updateScores([0, 0.5, 1, 0.2], [0, 2], [1, 0], 0.1)
    expect(next[0]).toBeCloseTo(0.1, 12)
    expect(next[1]).toBeCloseTo(0.45, 12)
    expect(next[2]).toBeCloseTo(0.9, 12)
    expect(next[3]).toBeCloseTo(0.18, 12)
  })
  it('turns NaN rewards and NaN scores into 0', () => {
    expect(updateScores([NaN, 0.5], [0, 1], [1, NaN], 0.5)).toEqual([0.5, 0.25])
  })
  it('converges to the hit rate', () => {
    let s = [0, 0]
    for (let i = 0; i < 400; i++) s = updateScores(s, [0, 1], [1, i % 2], 0.1)
    expect(s[0]).toBeCloseTo(1, 6)
    expect(s[1]!).toBeGreaterThan(0.4)
    expect(s[1]!).toBeLessThan(0.6)
  })
  it('rejects uids outside the score vector and bad alpha', () => {
    expect(() => updateScores([0], [3], [1], 0.1)).toThrow(/uid 3/)
    expect(() => updateScores([0], [0], [1], 1.5)).toThrow(/alpha/)
  })
})

describe('resyncScores', () => {
  it('resets a uid whose hotkey changed, grows and shrinks', () => {
    const r = resyncScores([0.4, 0.6, 0.8], ['a', 'b', 'c'], ['a', 'x', 'c', 'd'])
    expect(r.scores).toEqual([0.4, 0, 0.8, 0])
    expect(r.reset).toEqual([1])
    expect(resyncScores([0.4, 0.6], ['a', 'b'], ['a']).scores).toEqual([0.4])
  })
})

function metagraph(n: number, over: Partial<MetagraphLike> = {}): MetagraphLike {
  return {
    uids: Array.from({length: n}, (_, i) => i),
    hotkeys: Array.from({length: n}, (_, i) => `hk${i}`),
    stake: new Array(n).fill(0),
    validatorPermit: new Array(n).fill(false),
    lastUpdate: new Array(n).fill(0),
    axons: Array.from({length: n}, (_, i) => ({ip: '127.0.0.1', port: 9000 + i})),
    ...over,
  }
}

describe('miner uid sampling', () => {
  it('skips non-serving uids and big validators, keeps small permitted ones', () => {
    const mg = metagraph(5, {
      axons: [
        {ip: '0.0.0.0', port: 0},
        {ip: '10.0.0.1', port: 1},
        {ip: '10.0.0.2', port: 2},
        {ip: '10.0.0.3', port: 3},
        {ip: '10.0.0.4', port: 4},
      ],
      validatorPermit: [false, true, true, false, false],
      stake: [0, 5000, 100, 9999, 0],
    })
    expect([0, 1, 2, 3, 4].filter((u) => isAvailableMiner(mg, u, 4096))).toEqual([2, 3, 4])
    const rng = createRng(1)
    for (let i = 0; i < 20; i++) {
      const got = sampleMinerUids(mg, 50, rng, {vpermitTaoLimit: 4096})
      expect([...got].sort()).toEqual([2, 3, 4])
    }
  })
  it('samples k distinct uids, deterministically under a seed, and uses excluded ones only when short', () => {
    const mg = metagraph(20)
    const a = sampleMinerUids(mg, 5, createRng(7), {vpermitTaoLimit: 4096})
    const b = sampleMinerUids(mg, 5, createRng(7), {vpermitTaoLimit: 4096})
    expect(a).toEqual(b)
    expect(new Set(a).size).toBe(5)
    const ex = sampleMinerUids(mg, 18, createRng(3), {vpermitTaoLimit: 4096, exclude: [0, 1, 2]})
    expect(ex.filter((u) => u <= 2).length).toBe(1)
    expect(new Set(ex).size).toBe(18)
  })
})

describe('weights (bittensor SDK weight_utils semantics)', () => {
  it('normalizeMaxWeight clips at the cutoff so the max equals the limit', () => {
    const w = normalizeMaxWeight([1, 1, 1, 1, 6], 0.3)
    expect(w[4]).toBeCloseTo(0.3, 6)
    for (let i = 0; i < 4; i++) expect(w[i]).toBeCloseTo(0.175, 6)
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
  })
  it('normalizeMaxWeight: plain normalisation under the limit; uniform when the limit cannot be met', () => {
    expect(normalizeMaxWeight([1, 3], 0.9)).toEqual([0.25, 0.75])
    expect(normalizeMaxWeight([1, 3], 0.4)).toEqual([0.5, 0.5])
    expect(normalizeMaxWeight([0, 0, 0], 0.5)).toEqual([1 / 3, 1 / 3, 1 / 3])
  })
  it('processWeights drops zeros, pads to min_allowed_weights, and is uniform with nothing to go on', () => {
    const opts = {numNeurons: 4, minAllowedWeights: 1, maxWeightLimit: 1}
    expect(processWeights([0, 1, 2, 3], [0, 0.25, 0, 0.75], opts)).toEqual({uids: [1, 3], weights: [0.25, 0.75]})
    expect(processWeights([0, 1, 2, 3], [0, 0, 0, 0], opts)).toEqual({uids: [0, 1, 2, 3], weights: [0.25, 0.25, 0.25, 0.25]})
    const padded = processWeights([0, 1, 2, 3], [0, 1, 0, 0], {...opts, minAllowedWeights: 2})
    expect(padded.uids).toEqual([0, 1, 2, 3])
    expect(padded.weights[1]!).toBeCloseTo((1 + 1e-5) / (1 + 4e-5), 12)
    expect(padded.weights[0]!).toBeCloseTo(1e-5 / (1 + 4e-5), 12)
  })
  it('convertWeightsForEmit max-upscales to u16 with Python rounding and drops zeros', () => {
    expect(convertWeightsForEmit([1, 3, 5], [0.25, 0.75, 0])).toEqual({uids: [1, 3], weights: [21845, 65535]})
    expect(convertWeightsForEmit([0, 1], [0, 0])).toEqual({uids: [], weights: []})
    // 0.5/1 · 65535 = 32767.5 → 32768 (even)
    expect(convertWeightsForEmit([0, 1], [0.5, 1]).weights).toEqual([32768, 65535])
    expect(() => convertWeightsForEmit([0], [-1])).toThrow(/negative/)
  })
  it('weightsForChain: L1-normalises scores (NaN → 0) then emits', () => {
    const out = weightsForChain([0.9, NaN, 0.3, 0], {numNeurons: 4, minAllowedWeights: 1, maxWeightLimit: 65535 / 65535})
    expect(out.uids).toEqual([0, 2])
    expect(out.weights).toEqual([65535, 21845])
    expect(out.normalized[0]).toBeCloseTo(0.75, 9)
    expect(out.normalized[2]).toBeCloseTo(0.25, 9)
  })
})

describe('epoch schedule', () => {
  it('sets weights only after more than epoch_length blocks since the last update, never on step 0', () => {
    const base = {lastUpdate: [0, 50], selfUid: 1, epochLength: 100}
    expect(shouldSetWeights({...base, block: 150, step: 3})).toBe(false)
    expect(shouldSetWeights({...base, block: 151, step: 3})).toBe(true)
    expect(shouldSetWeights({...base, block: 151, step: 0})).toBe(false)
    expect(shouldSetWeights({...base, block: 151, step: 3, disabled: true})).toBe(false)
  })
})
