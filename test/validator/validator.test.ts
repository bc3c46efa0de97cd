import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {createLogger, type Logger} from '../../src/config/logger.js'
import {createRng} from '../../src/config/random.js'
import {readResults} from '../../src/validator/results-log.js'
import {mccReward} from '../../src/validator/rewards.js'
import {loadState} from '../../src/validator/state.js'
import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'
import {Validator, type Challenge, type MinerAnswer, type ValidatorChain} from '../../src/validator/validator.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-validator-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

/** An in-memory chain: a block counter and a metagraph; setWeights records and bumps lastUpdate like the pallet. */
class MemoryChain implements ValidatorChain {
  block = 1000
  set: {uids: number[]; weights: number[]}[] = []
  constructor(public mg: MetagraphLike, readonly selfHotkey: string) {}
  async currentBlock() {
    return this.block
  }
  async metagraph() {
    return structuredClone(this.mg) as MetagraphLike
  }
  async weightLimits() {
    return {minAllowedWeights: 1, maxWeightLimit: 1}
  }
  async setWeights(uids: number[], weights: number[]) {
    this.set.push({uids, weights})
    ;(this.mg.lastUpdate as number[])[this.mg.hotkeys.indexOf(this.selfHotkey)] = this.block
  }
}

// uid 0 validator (not serving); 1 right; 2 always 0.5; 3 times out; 4 garbage; 5 NaN; 6 wrong
const N = 7
const mg: MetagraphLike = {
  uids: [...Array(N).keys()],
  hotkeys: [...Array(N).keys()].map((i) => `hk${i}`),
  stake: new Array(N).fill(0),
  // uid 0 (the validator) holds a validator permit
  validatorPermit: [...Array(N).keys()].map((i) => i === 0),
  lastUpdate: new Array(N).fill(0),
  axons: [...Array(N).keys()].map((i) => ({ip: i === 0 ? '0.0.0.0' : '127.0.0.1', port: 9000 + i, hotkey: `hk${i}`})),
}

function behaviour(label: 0 | 1) {
  return (port: number): MinerAnswer => {
    switch (port - 9000) {
      case 1:
        return {statusCode: 200, prediction: label === 1 ? 0.9 : 0.1, processTime: 0.01}
      case 2:
        return {statusCode: 200, prediction: 0.5, processTime: 0.01}
      case 3:
        return {statusCode: 408, prediction: -1, processTime: 12}
      case 4:
        return {statusCode: 200, prediction: 'fake!', processTime: 0.01}
      case 5:
        return {statusCode: 200, prediction: NaN, processTime: 0.01}
      default:
        return {statusCode: 200, prediction: label === 1 ? 0.1 : 0.9, processTime: 0.01}
    }
  }
}

function makeValidator(chain: MemoryChain, dir: string, seed: number, logger?: Logger) {
  let current: Challenge = {label: 0, source: 'x', image: ''}
  const rng = createRng(seed)
  const challenges = {
    async next() {
      current = {label: rng() < 0.5 ? 0 : 1, source: 'memory', image: 'AAAA'}
      return current
    },
  }
  const miners = {
    async query(axons: readonly {port: number}[]) {
      return axons.map((a) => behaviour(current.label)(a.port))
    },
  }
  return new Validator(chain, miners, challenges, {
    sampleSize: 50, timeoutS: 1, alpha: 0.1, vpermitTaoLimit: 4096, epochLength: 5, disableSetWeights: false, fullPath: dir,
    permitHint: 'bitmind stake add --amount <TAO> --netuid 1 --wallet.name v --wallet.hotkey default',
  }, createRng(seed + 1), {logger})
}

describe('Validator loop', () => {
  it('rewards only the right miner, survives bad miners, sets weights on the epoch, saves and resumes state', async () => {
    const dir = path.join(tmp, 'run')
    const chain = new MemoryChain(structuredClone(mg), 'hk0')
    const v = makeValidator(chain, dir, 11)
    await v.start()
    for (let i = 0; i < 12; i++) {
      const r = await v.runStep()
      expect([...r.uids].sort()).toEqual([1, 2, 3, 4, 5, 6])
      expect(r.rewards[r.uids.indexOf(1)]).toBe(1)
      for (const bad of [2, 3, 4, 5, 6]) expect(r.rewards[r.uids.indexOf(bad)]).toBe(0)
      chain.block += 1
    }
    expect(v.scores[1]).toBeCloseTo(1 - 0.9 ** 12, 10)
    for (const u of [0, 2, 3, 4, 5, 6]) expect(v.scores[u]).toBe(0)
    expect(chain.set.length).toBeGreaterThan(0)
    expect(chain.set.at(-1)).toEqual({uids: [1], weights: [65535]})

    const saved = await loadState(dir)
    expect(saved?.step).toBe(12)
    expect(saved?.scores[1]).toBeCloseTo(v.scores[1]!, 12)
    const rows = await readResults(path.join(dir, 'results.jsonl'))
    expect(rows.length).toBe(12 * 6)
    expect(rows.filter((r) => r.uid === 5).every((r) => r.prediction === null && r.reward === 0)).toBe(true)

    // a new process resumes; a uid whose hotkey changed restarts from 0
    chain.mg = {...chain.mg, hotkeys: chain.mg.hotkeys.map((h, i) => (i === 1 ? 'new-owner' : h))}
    const again = makeValidator(chain, dir, 12)
    await again.start()
    expect(again.step).toBe(12)
    expect(again.scores[1]).toBe(0)
  })

  it('rewards by --reward mode from per-miner histories kept in the state, resumed, reset on a new hotkey; logs the level', async () => {
    const dir = path.join(tmp, 'mcc')
    const chain = new MemoryChain(structuredClone(mg), 'hk0')
    const make = (seed: number) => {
      let label: 0 | 1 = 0
      const rng = createRng(seed)
      const augmentation = {level: 2 as const, distortions: [{name: 'CS' as const, severity: 1, param: 0.4}]}
      const challenges = {async next() {
        label = rng() < 0.5 ? 0 : 1
        return {label, source: 'memory', image: 'AAAA', augmentation}
      }}
      const miners = {async query(axons: readonly {port: number}[]) {
        return axons.map((a) => behaviour(label)(a.port))
      }}
      return new Validator(chain, miners, challenges, {
        sampleSize: 50, timeoutS: 1, alpha: 0.1, vpermitTaoLimit: 4096, epochLength: 5, disableSetWeights: true, fullPath: dir, reward: 'mcc',
      }, createRng(seed + 1))
    }
    const v = make(21)
    await v.start()
    const labels: (0 | 1)[] = []
    for (let i = 0; i < 8; i++) {
      const r = await v.runStep()
      labels.push(r.label)
      const h1 = labels.map((label) => ({label, prediction: label === 1 ? 0.9 : 0.1}))
      expect(r.rewards[r.uids.indexOf(1)]).toBeCloseTo(mccReward(h1), 12)
      expect(r.rewards[r.uids.indexOf(3)]).toBe(0) // timeouts earn nothing
      expect(r.correct[r.uids.indexOf(1)]).toBe(1)
    }
    expect(new Set(labels).size).toBe(2) // both classes seen: uid 1's MCC is defined and 1
    expect(v.histories[1]).toHaveLength(8)
    expect(v.histories[3]!.every((a) => a.prediction === null)).toBe(true)
    expect(v.histories[6]!.map((a) => a.prediction)).toEqual(labels.map((l) => (l === 1 ? 0.1 : 0.9)))
    const rows = await readResults(path.join(dir, 'results.jsonl'))
    expect(rows.every((r) => r.level === 2 && r.augmentation?.distortions[0]?.param === 0.4)).toBe(true)

    // restart: histories come back from state.json; uid 6 changed hands, so its history starts over
    chain.mg = {...chain.mg, hotkeys: chain.mg.hotkeys.map((h, i) => (i === 6 ? 'new-owner' : h))}
    const again = make(22)
    await again.start()
    expect(again.histories[1]).toEqual(v.histories[1])
    expect(again.histories[6]).toEqual([])
    const r = await again.runStep()
    labels.push(r.label)
    expect(r.rewards[r.uids.indexOf(1)]).toBeCloseTo(mccReward(labels.map((label) => ({label, prediction: label === 1 ? 0.9 : 0.1}))), 12)
    expect(again.histories[6]).toHaveLength(1)
  })

  it('without a validator permit: says so once with the stake command, sets no weights, then sets them once permitted', async () => {
    const lines: string[] = []
    const logger = createLogger({write: (l) => lines.push(l)})
    const noPermit = {...structuredClone(mg), validatorPermit: new Array<boolean>(N).fill(false)}
    const chain = new MemoryChain(noPermit, 'hk0')
    const v = makeValidator(chain, path.join(tmp, 'nopermit'), 5, logger)
    await v.start()
    for (let i = 0; i < 30; i++) {
      await v.runStep()
      chain.block += 1
    }
    expect(chain.set).toEqual([])
    const warned = lines.filter((l) => l.includes('no validator permit'))
    expect(warned).toHaveLength(1)
    expect(warned[0]).toContain('bitmind stake add --amount <TAO> --netuid 1 --wallet.name v --wallet.hotkey default')
    expect(lines.filter((l) => l.includes('setting weights failed'))).toEqual([])
    // an epoch gives the permit; the next metagraph sync sees it and weights go out
    ;(chain.mg.validatorPermit as boolean[])[0] = true
    for (let i = 0; i < 8; i++) {
      await v.runStep()
      chain.block += 1
    }
    expect(chain.set.length).toBeGreaterThan(0)
    expect(lines.filter((l) => l.includes('validator permit granted'))).toHaveLength(1)
  })

  it('refuses to start when its hotkey is not registered', async () => {
    const v = makeValidator(new MemoryChain(structuredClone(mg), 'stranger'), path.join(tmp, 'x'), 1)
    await expect(v.start()).rejects.toThrow(/not registered/)
  })
})
