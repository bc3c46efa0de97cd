import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import * as ort from 'onnxruntime-node'
import sharp from 'sharp'

import {MinerMetrics} from '../../src/miner/metrics.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder, type ServingModel} from '../../src/miner/model-holder.js'
import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'
import {tinyDetectorOnnx} from './tiny-onnx.js'

const SIZE = 16
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-miner-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

async function loader(p: string): Promise<ServingModel<Float32Array>> {
  const session = await ort.InferenceSession.create(p)
  return {
    name: path.basename(p),
    async predict(xs) {
      const x = new Float32Array(xs.length * 3 * SIZE * SIZE)
      xs.forEach((t, i) => x.set(t, i * t.length))
      const out = await session.run({input: new ort.Tensor('float32', x, [xs.length, 3, SIZE, SIZE])})
      return Array.from(out.output!.data as Float32Array)
    },
    dispose: () => session.release(),
  }
}

/** JPEG bytes → CHW floats in [0, 1] at SIZE×SIZE (sharp, the same library the image module uses). */
async function decode(bytes: Buffer): Promise<Float32Array> {
  const {data} = await sharp(bytes).removeAlpha().resize(SIZE, SIZE).raw().toBuffer({resolveWithObject: true})
  const out = new Float32Array(3 * SIZE * SIZE)
  for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) out[c * SIZE * SIZE + i] = data[i * 3 + c]! / 255
  return out
}

const jpeg = (v: number) =>
  sharp({create: {width: 40, height: 30, channels: 3, background: {r: v, g: v, b: v}}}).jpeg({quality: 75}).toBuffer()

describe('Miner', () => {
  it('answers base64 JPEG challenges with the model, batching concurrent ones; blacklists from the metagraph', async () => {
    const file = path.join(tmp, 'm.onnx')
    // dark images are "fake": p = sigmoid(-10·(mean − 0.5))
    await fs.writeFile(file, tinyDetectorOnnx({scale: -10, bias: 5, inputSize: SIZE}))
    const holder = await ModelHolder.open(file, loader, {pollMs: 60_000})
    let mg: MetagraphLike = {
      uids: [0, 1],
      hotkeys: ['validator', 'me'],
      stake: [100, 0],
      validatorPermit: [false, false],
      lastUpdate: [0, 0],
      axons: [],
    }
    let block = 10
    const metrics = new MinerMetrics()
    const miner = await Miner.create({
      holder,
      decode,
      chain: {currentBlock: async () => block, metagraph: async () => mg},
      forceValidatorPermit: true,
      epochLength: 5,
      batch: {windowMs: 25, maxBatch: 8},
      metrics,
    })
    try {
      const dark = (await jpeg(20)).toString('base64')
      const bright = (await jpeg(235)).toString('base64')
      const [pd, pb, pd2] = await Promise.all([miner.predictBase64(dark), miner.predictBase64(bright), miner.predictBase64(dark)])
      expect(pd!).toBeGreaterThan(0.9)
      expect(pb!).toBeLessThan(0.1)
      expect(pd2).toBeCloseTo(pd!, 6)
      expect(await metrics.registry.getSingleMetricAsString('bitmind_miner_batch_size')).toMatch(/bitmind_miner_batch_size_count 1\b/)
      await expect(miner.predictBase64('')).rejects.toThrow(/cannot decode/)
      await expect(miner.predictBase64(Buffer.from('not a jpeg').toString('base64'))).rejects.toThrow(/cannot decode/)

      expect((await miner.blacklist('stranger')).blocked).toBe(true)
      expect(await miner.blacklist('validator')).toMatchObject({blocked: true, reason: expect.stringMatching(/permit/)})
      expect(miner.priority('validator')).toBe(100)

      // hot reload while serving: an inverted model replaces the file (by rename), the next answers flip
      const next = path.join(tmp, 'm.next')
      await fs.writeFile(next, tinyDetectorOnnx({scale: 10, bias: -5, inputSize: SIZE}))
      await fs.rename(next, file)
      await holder.check()
      expect(holder.generation).toBe(2)
      expect(await miner.predictBase64(dark)).toBeLessThan(0.1)
      // a corrupt replacement keeps the inverted model answering
      await fs.writeFile(file, 'not a model')
      await holder.check()
      expect(holder.generation).toBe(2)
      expect(await miner.predictBase64(bright)).toBeGreaterThan(0.9)

      // the validator gets a permit; after an epoch the miner's re-sync lets it through
      mg = {...mg, validatorPermit: [true, false]}
      block = 20
      miner.startSync(20)
      const t0 = Date.now()
      while ((await miner.blacklist('validator')).blocked && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20))
      expect((await miner.blacklist('validator')).blocked).toBe(false)
    } finally {
      await miner.stop()
    }
  })
})
