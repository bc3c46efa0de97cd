import {describe, expect, it} from '@jest/globals'

import {aggregate, isValidPrediction} from '../../src/proxy/aggregate.js'
import {topMiners, type ProxyMetagraph} from '../../src/proxy/select.js'

const ok = (uid: number, incentive: number, prediction: number) => ({uid, incentive, prediction, statusCode: 200})

describe('aggregate: the pool answer from the miners\' votes', () => {
  it('is undefined for no votes and for votes that are all invalid', () => {
    expect(aggregate([])).toBeUndefined()
    expect(aggregate([
      {uid: 0, incentive: 0.5, statusCode: 408},
      {uid: 1, incentive: 0.3, prediction: 1.5, statusCode: 200},
      {uid: 2, incentive: 0.2, prediction: Number.NaN, statusCode: 200},
      {uid: 3, incentive: 0.2, prediction: -1, statusCode: 200},
      {uid: 4, incentive: 0.2, prediction: 0.9, statusCode: 503},
    ])).toBeUndefined()
  })

  it('one valid miner is the answer, whatever its incentive', () => {
    expect(aggregate([ok(3, 0, 0.8)])).toEqual({probability: 0.8, verdict: 'fake', counted: [3]})
    expect(aggregate([ok(3, 0.4, 0.2), {uid: 4, incentive: 0.6, statusCode: 408}])).toEqual({probability: 0.2, verdict: 'real', counted: [3]})
  })

  it('weights valid predictions by incentive, ignoring the invalid ones', () => {
    // (0.75·0.9 + 0.25·0.1) / 1 = 0.7; the timed-out and out-of-range miners do not count
    const a = aggregate([ok(0, 0.75, 0.9), ok(1, 0.25, 0.1), {uid: 2, incentive: 5, statusCode: 408}, ok(3, 5, 1.01)])!
    expect(a.probability).toBeCloseTo(0.7, 12)
    expect(a.verdict).toBe('fake')
    expect(a.counted).toEqual([0, 1])
    // incentives need not sum to 1: 0.2·0.3 + 0.6·0.6 = 0.42 over 0.8 = 0.525
    expect(aggregate([ok(0, 0.2, 0.3), ok(1, 0.6, 0.6)])!.probability).toBeCloseTo(0.525, 12)
  })

  it('counts miners equally when none of the valid ones has incentive (a subnet before its first epoch)', () => {
    expect(aggregate([ok(0, 0, 0.2), ok(1, 0, 0.6), ok(2, Number.NaN, 0.7)])!.probability).toBeCloseTo(0.5, 12)
    // a zero-incentive miner beside a paid one carries no weight
    expect(aggregate([ok(0, 0, 1), ok(1, 0.1, 0.25)])!.probability).toBeCloseTo(0.25, 12)
  })

  it('a probability of exactly 0.5 is "real", as Python rounds 0.5 to 0; the bounds 0 and 1 are valid', () => {
    expect(aggregate([ok(0, 1, 0.5)])!.verdict).toBe('real')
    expect(aggregate([ok(0, 1, 0.5000001)])!.verdict).toBe('fake')
    expect(aggregate([ok(0, 1, 0), ok(1, 1, 1)])).toEqual({probability: 0.5, verdict: 'real', counted: [0, 1]})
    expect(isValidPrediction({statusCode: 200, prediction: Infinity})).toBe(false)
  })
})

describe('topMiners: whom the proxy asks', () => {
  const axon = (port: number) => ({ip: '127.0.0.1', port, hotkey: ''})
  const mg: ProxyMetagraph = {
    block: 9,
    uids: [0, 1, 2, 3, 4, 5],
    hotkeys: ['v', 'a', 'b', 'c', 'd', 'e'],
    stake: [500, 1, 2, 3, 9, 0],
    incentive: [0, 0.5, 0.2, 0.2, 0.1, 0.9],
    axons: [axon(1), axon(2), axon(3), axon(4), axon(5), {ip: '0.0.0.0', port: 0, hotkey: ''}],
  }

  it('takes serving uids by incentive, ties by stake then uid, never its own hotkey', () => {
    expect(topMiners(mg, 10, {excludeHotkey: 'v'}).map((m) => m.uid)).toEqual([1, 3, 2, 4])
    expect(topMiners(mg, 2, {excludeHotkey: 'v'}).map((m) => m.uid)).toEqual([1, 3])
    // without the exclusion the validator's own axon is a candidate like any other
    expect(topMiners(mg, 10).map((m) => m.uid)).toEqual([1, 3, 2, 4, 0])
    const tie = {...mg, stake: [0, 0, 0, 0, 0, 0]}
    expect(topMiners(tie, 3, {excludeHotkey: 'v'}).map((m) => m.uid)).toEqual([1, 2, 3])
    expect(topMiners(mg, 0)).toEqual([])
  })
})
