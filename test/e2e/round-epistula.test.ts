import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {createRng} from '../../src/config/random.js'
import {FolderPool} from '../../src/data/folder-pool.js'
import {loadDetector} from '../../src/detector/index.js'
import {formatRoundTable, runLocalRound, type LocalRoundOptions} from '../../src/localnet/index.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-e2e-epistula-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

async function pool(dir: string, lo: number, hi: number, label: 0 | 1, seed: number) {
  const rng = createRng(seed)
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < 6; i++) {
    const v = Math.round(lo + (hi - lo) * rng())
    const px = Buffer.alloc(48 * 40 * 3)
    for (let k = 0; k < px.length; k++) px[k] = Math.max(0, Math.min(255, v + Math.round((rng() - 0.5) * 20)))
    await sharp(px, {raw: {width: 48, height: 40, channels: 3}}).png().toFile(path.join(dir, `${i}.png`))
  }
  return FolderPool.open(dir, {label, name: label === 0 ? 'bright-photos' : 'dark-generations'})
}

describe('a full devnet round over Epistula v2 (--neuron.transport epistula)', () => {
  it('scores miners exactly as the synapse transport does for the same seed', async () => {
    const real = await pool(path.join(tmp, 'real'), 225, 250, 0, 1)
    const fake = await pool(path.join(tmp, 'fake'), 10, 100, 1, 2)
    const meta = {'bitmind.input_size': '16'}
    const good = path.join(tmp, 'good.onnx')
    const inverted = path.join(tmp, 'inverted.onnx')
    await fs.writeFile(good, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: meta}))
    await fs.writeFile(inverted, tinyDetectorOnnx({scale: 30, bias: -15, inputSize: 16, metadata: meta}))
    const load = (p: string) => loadDetector(p, {threads: 1})
    const round = (transport: LocalRoundOptions['transport']) => runLocalRound({
      miners: [{name: 'good', modelPath: good, load}, {name: 'inverted', modelPath: inverted, load}],
      data: {realPools: [real], fakePools: [fake], fakeSources: [], size: 64},
      steps: 8,
      seed: 3,
      epochLength: 4,
      tempo: 6,
      timeoutS: 5,
      transport,
      workDir: path.join(tmp, transport ?? 'synapse'),
    })
    const epistula = await round('epistula')
    process.stderr.write(formatRoundTable(epistula.rows) + '\n')
    const by = Object.fromEntries(epistula.rows.map((r) => [r.name, r]))
    expect(by.good!).toMatchObject({answered: 8, accuracy: 1})
    expect(by.inverted!.accuracy).toBe(0)
    const top = epistula.weightsOnChain.reduce((a, b) => (b[1] > a[1] ? b : a))
    expect(top).toEqual([by.good!.uid, 65535])

    const synapse = await round('synapse')
    const strip = (rows: typeof epistula.rows) => rows.map(({name, accuracy, answered, score}) => ({name, accuracy, answered, score}))
    expect(strip(synapse.rows)).toEqual(strip(epistula.rows))
  }, 180_000)
})
