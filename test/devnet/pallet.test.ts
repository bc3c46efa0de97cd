import {beforeAll, describe, expect, it} from '@jest/globals'

import {devKeyring, devPair} from '../../src/devnet/accounts.js'
import {runEpoch} from '../../src/devnet/epoch.js'
import {loadRuntimeMeta, type RuntimeMeta} from '../../src/devnet/metadata.js'
import {Storage} from '../../src/devnet/storage.js'
import {registerNeuron, uidOf} from '../../src/devnet/subtensor.js'

const S = 'subtensorModule'
let meta: RuntimeMeta

beforeAll(async () => {
  await devKeyring()
  meta = loadRuntimeMeta()
})

function subnet(max: number, immunity: number): Storage {
  const st = new Storage(meta.registry, meta.decorated)
  st.set(S, 'networksAdded', [1], true)
  st.set(S, 'maxAllowedUids', [1], max)
  st.set(S, 'immunityPeriod', [1], immunity)
  st.set(S, 'maxAllowedValidators', [1], 64)
  return st
}

const addr = (name: string) => devPair(`//${name}`).address

describe('devnet pallet rules (storage level)', () => {
  it('a full subnet replaces the lowest pruning score among non-immune neurons', () => {
    const st = subnet(3, 5)
    for (const [i, n] of ['A', 'B', 'C'].entries()) registerNeuron(st, 1, addr(n), addr('Alice'), i)
    st.set(S, 'pruningScores', [1], [100, 5, 50])
    // at block 6 uid 2 (registered at block 2) is still immune? 6 - 2 = 4 < 5: yes; uid 1 is not (6 - 1 = 5)
    const uid = registerNeuron(st, 1, addr('D'), addr('Alice'), 6)
    expect(uid).toBe(1)
    expect(uidOf(st, 1, addr('B'))).toBeUndefined()
    expect(uidOf(st, 1, addr('D'))).toBe(1)
    expect(st.read(S, 'keys', 1, 1)).toBe(addr('D'))
    expect(st.num(S, 'subnetworkN', 1)).toBe(3)
  })

  it('epoch: stake-weighted median clips a minority validator’s outlier weight', () => {
    const st = subnet(8, 0)
    const names = ['V1', 'V2', 'V3', 'M1', 'M2']
    for (const [i, n] of names.entries()) registerNeuron(st, 1, addr(n), addr('Alice'), i)
    const stake = [40e9, 35e9, 25e9]
    for (const [i, s] of stake.entries()) st.set(S, 'totalHotkeyAlpha', [addr(names[i]!), 1], s)
    // V1 and V2 (75% of stake) split evenly; V3 (25%) puts everything on M2
    st.set(S, 'weights', [1, 0], [[3, 65535], [4, 65535]])
    st.set(S, 'weights', [1, 1], [[3, 65535], [4, 65535]])
    st.set(S, 'weights', [1, 2], [[4, 65535]])
    runEpoch(st, 1, 10, 10_000_000_000n)
    const incentive = st.read(S, 'incentive', 1) as number[]
    const consensus = st.read(S, 'consensus', 1) as number[]
    // consensus of each miner is 0.5 (the weight ≥ κ = 50% of stake agrees on); V3's 1.0 on M2 is clipped to 0.5
    expect(consensus[3]).toBe(32768)
    expect(consensus[4]).toBe(32768)
    // ranks: M1 = 0.75·0.5 = 0.375, M2 = 0.75·0.5 + 0.25·0.5 = 0.5 → incentive 3/7 and 4/7
    expect(incentive[3]! / 65535).toBeCloseTo(3 / 7, 3)
    expect(incentive[4]! / 65535).toBeCloseTo(4 / 7, 3)
    const trust = st.read(S, 'trust', 1) as number[]
    expect(trust[4]! / 65535).toBeCloseTo(0.5 / 0.625, 3)
    expect(st.read(S, 'validatorPermit', 1)).toEqual([true, true, true, false, false])
    const emission = (st.read(S, 'emission', 1) as number[]).reduce((a, b) => a + b, 0)
    expect(emission).toBeGreaterThan(9.99e9)
    expect(emission).toBeLessThanOrEqual(10e9)
  })
})
