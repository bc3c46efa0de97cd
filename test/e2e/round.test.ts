import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {createRng} from '../../src/config/random.js'
import {FolderPool} from '../../src/data/folder-pool.js'
import {loadDetector} from '../../src/detector/index.js'
import type {RgbImage} from '../../src/image/index.js'
import type {ServingModel} from '../../src/miner/model-holder.js'
import {formatRoundTable, runDemo, runLocalRound} from '../../src/localnet/index.js'
import {sn34Score, type Answer} from '../../src/validator/rewards.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-e2e-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

/** Real photos are bright, generated ones dark (10..100): a world where a brightness detector is the "right" model. */
async function makePools() {
  const rng = createRng(42)
  const write = async (dir: string, lo: number, hi: number, n: number) => {
    await fs.mkdir(dir, {recursive: true})
    for (let i = 0; i < n; i++) {
      const v = Math.round(lo + (hi - lo) * rng())
      const noise = Buffer.alloc(48 * 40 * 3)
      for (let k = 0; k < noise.length; k++) noise[k] = Math.max(0, Math.min(255, v + Math.round((rng() - 0.5) * 20)))
      await sharp(noise, {raw: {width: 48, height: 40, channels: 3}}).png().toFile(path.join(dir, `${i}.png`))
    }
  }
  await write(path.join(tmp, 'real'), 225, 250, 6)
  await write(path.join(tmp, 'fake'), 10, 100, 6)
  return {
    real: await FolderPool.open(path.join(tmp, 'real'), {label: 0, name: 'bright-photos'}),
    fake: await FolderPool.open(path.join(tmp, 'fake'), {label: 1, name: 'dark-generations'}),
  }
}

const meta = {'bitmind.input_size': '16'}
const onnxLoader = (p: string) => loadDetector(p, {threads: 1})
const halfLoader = async (): Promise<ServingModel<RgbImage>> => ({
  name: 'always-0.5',
  predict: async (xs) => xs.map(() => 0.5),
  dispose: async () => {},
})

describe('the demo round on the devnet, in-process, with the shipped model', () => {
  // the README's `npm run demo`: real photos from assets/demo-photos (held out from training), ESRGAN fakes made
  // during the round, the validator's augmentation and JPEG, the shipped models/npr.onnx against an untrained NPR
  // and a miner that always answers 0.5
  it('the shipped model ends with the highest score and weight, the 0.5 miner with 0, weights on chain', async () => {
    const result = await runDemo({steps: 24, seed: 1})
    process.stderr.write(formatRoundTable(result.rows) + '\n')
    const by = Object.fromEntries(result.rows.map((r) => [r.name, r]))
    const shipped = by['shipped NPR']!
    expect(shipped.answered).toBe(24)
    expect(shipped.accuracy).toBeGreaterThanOrEqual(0.75)
    for (const other of ['untrained NPR', 'always 0.5']) {
      expect(shipped.score).toBeGreaterThan(by[other]!.score)
      expect(shipped.weight).toBeGreaterThan(by[other]!.weight)
    }
    expect(by['always 0.5']!.score).toBe(0)
    expect(by['always 0.5']!.weight).toBe(0)
    const top = result.weightsOnChain.reduce((a, b) => (b[1] > a[1] ? b : a))
    expect(top).toEqual([shipped.uid, 65535])
    expect(shipped.incentive).toBeGreaterThan(by['untrained NPR']!.incentive)
  }, 180_000)
})

describe('a full round on the devnet, in-process, with models whose right answers are known', () => {
  it('the right model earns the top score and weight, the 0.5 miner nothing, weights land on chain', async () => {
    const pools = await makePools()
    const good = path.join(tmp, 'good.onnx')
    const weak = path.join(tmp, 'weak.onnx')
    const half = path.join(tmp, 'half.onnx')
    // good: fake below mean 0.5; weak: fake only below 0.2, so it misses the brighter half of the generations
    await fs.writeFile(good, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: meta}))
    await fs.writeFile(weak, tinyDetectorOnnx({scale: -30, bias: 6, inputSize: 16, metadata: meta}))
    await fs.writeFile(half, 'the 0.5 miner does not read its file')
    const result = await runLocalRound({
      miners: [
        {name: 'good', modelPath: good, load: onnxLoader},
        {name: 'weak', modelPath: weak, load: onnxLoader},
        {name: 'half', modelPath: half, load: halfLoader},
      ],
      data: {realPools: [pools.real], fakePools: [pools.fake], fakeSources: [], size: 64},
      steps: 12,
      seed: 7,
      epochLength: 4,
      tempo: 6,
      timeoutS: 5,
      workDir: path.join(tmp, 'round'),
    })
    process.stderr.write(formatRoundTable(result.rows) + '\n')
    const by = Object.fromEntries(result.rows.map((r) => [r.name, r]))
    expect(by.good!.accuracy).toBe(1)
    expect(by.weak!.accuracy).toBeLessThan(1)
    expect(by.half!.score).toBe(0)
    expect(by.half!.weight).toBe(0)
    for (const other of ['weak', 'half']) {
      expect(by.good!.score).toBeGreaterThan(by[other]!.score)
      expect(by.good!.weight).toBeGreaterThan(by[other]!.weight)
    }
    // on chain: the good miner carries the largest u16 weight, and the epoch turned weights into incentive
    const top = result.weightsOnChain.reduce((a, b) => (b[1] > a[1] ? b : a))
    expect(top).toEqual([by.good!.uid, 65535])
    expect(by.good!.incentive).toBeGreaterThan(by.weak!.incentive)
    expect(by.half!.incentive).toBe(0)
  }, 120_000)
})

describe('a round under HEAD\'s sn34 rule with v2.2.11 augmentation levels', () => {
  it('rewards each answer with sn34 over the miner\'s history; the calibrated right model wins, the 0.5 miner gets no weight', async () => {
    const pools = await makePools()
    const good = path.join(tmp, 'good-sn34.onnx')
    const weak = path.join(tmp, 'weak-sn34.onnx')
    await fs.writeFile(good, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: meta}))
    await fs.writeFile(weak, tinyDetectorOnnx({scale: -30, bias: 6, inputSize: 16, metadata: meta}))
    await fs.writeFile(path.join(tmp, 'half-sn34.txt'), 'the 0.5 miner does not read its file')
    const histories = new Map<number, Answer[]>()
    const levels = new Set<number>()
    const checked: number[] = []
    const result = await runLocalRound({
      miners: [
        {name: 'good', modelPath: good, load: onnxLoader},
        {name: 'weak', modelPath: weak, load: onnxLoader},
        {name: 'half', modelPath: path.join(tmp, 'half-sn34.txt'), load: halfLoader},
      ],
      data: {realPools: [pools.real], fakePools: [pools.fake], fakeSources: [], size: 64, level: 'random'},
      steps: 12,
      seed: 8,
      epochLength: 4,
      tempo: 6,
      timeoutS: 5,
      reward: 'sn34',
      workDir: path.join(tmp, 'round-sn34'),
      onStep: (r) => {
        r.uids.forEach((uid, k) => {
          const p = r.predictions[k]
          const h = [...(histories.get(uid) ?? []), {label: r.label, prediction: typeof p === 'number' ? p : null}]
          histories.set(uid, h)
          expect(r.rewards[k]).toBeCloseTo(sn34Score(h), 12)
          checked.push(uid)
        })
      },
    })
    const rows = (await fs.readFile(path.join(tmp, 'round-sn34', 'validator', 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    for (const r of rows) levels.add(r.level)
    expect(levels.size).toBeGreaterThan(1)
    expect(checked).toHaveLength(36)
    const by = Object.fromEntries(result.rows.map((r) => [r.name, r]))
    expect(by.good!.score).toBeGreaterThan(by.weak!.score)
    expect(by.weak!.score).toBeGreaterThan(by.half!.score)
    expect(by.half!.score).toBeLessThan(1e-5) // sn34's floor is 1e-6
    expect(by.half!.weight).toBe(0)
    const top = result.weightsOnChain.reduce((a, b) => (b[1] > a[1] ? b : a))
    expect(top).toEqual([by.good!.uid, 65535])
  }, 120_000)
})
