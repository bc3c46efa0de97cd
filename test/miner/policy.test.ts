import {describe, expect, it} from '@jest/globals'

import {CallerPolicy} from '../../src/miner/policy.js'
import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'

const mg = (permits: boolean[]): MetagraphLike => ({
  uids: [0, 1, 2],
  hotkeys: ['val', 'small', 'miner'],
  stake: [5000, 12.5, 0],
  validatorPermit: permits,
  lastUpdate: [0, 0, 0],
  axons: [],
})

describe('CallerPolicy', () => {
  it('blocks unregistered callers, and callers without a permit when forced', () => {
    let current = mg([true, false, false])
    const loose = new CallerPolicy(() => current, {forceValidatorPermit: false})
    const strict = new CallerPolicy(() => current, {forceValidatorPermit: true})
    expect(loose.blacklist('stranger')).toMatchObject({blocked: true, reason: expect.stringMatching(/unrecognized/)})
    expect(loose.blacklist('small').blocked).toBe(false)
    expect(strict.blacklist('small')).toMatchObject({blocked: true, reason: expect.stringMatching(/permit/)})
    expect(strict.blacklist('val').blocked).toBe(false)
    // a re-synced metagraph takes effect on the next request
    current = mg([true, true, false])
    expect(strict.blacklist('small').blocked).toBe(false)
  })
  it('ranks callers by stake', () => {
    const p = new CallerPolicy(() => mg([true, false, false]), {forceValidatorPermit: false})
    expect(p.priority('val')).toBe(5000)
    expect(p.priority('small')).toBe(12.5)
    expect(p.priority('stranger')).toBe(0)
  })
})

describe('CallerPolicy stake floor', () => {
  it('refuses registered callers below minStake, on either transport', () => {
    const p = new CallerPolicy(() => mg([true, true, false]), {forceValidatorPermit: false, minStake: 100})
    expect(p.blacklist('val').blocked).toBe(false)
    expect(p.blacklist('small')).toMatchObject({blocked: true, reason: expect.stringMatching(/stake 12\.5, below the floor 100/)})
    expect(p.blacklist('stranger')).toMatchObject({blocked: true, reason: expect.stringMatching(/unrecognized/)})
    const off = new CallerPolicy(() => mg([true, true, false]), {forceValidatorPermit: false, minStake: 0})
    expect(off.blacklist('small').blocked).toBe(false)
  })
})
