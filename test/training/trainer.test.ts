import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import sharp from 'sharp'
import {beforeAll, describe, expect, it} from '@jest/globals'

import {createRng, type Rng} from '../../src/config/random.js'
import type {RgbImage} from '../../src/image/types.js'
import {SampleSet, type ImageOps, type TrainingPool} from '../../src/training/samples.js'
import {train, type ModelStore} from '../../src/training/trainer.js'
import {NprNet} from '../../src/detector/npr.js'
import {registerFastConv2dGrad} from '../../src/runtime/conv-grad.js'
import {OnnxStepEngine} from '../../src/training/onnx-step.js'
import {readEventFile} from '../../src/training/tensorboard.js'

const SIZE = 32

/** real: smooth random blobs; fake: the same kind of image at half size, upsampled ×2 nearest (NPR's cue) */
function makeImage(rng: Rng, fake: boolean): RgbImage {
  const s = fake ? SIZE / 2 : SIZE
  const base = new Float32Array(s * s * 3)
  const [a, b, c] = [rng() * 6, rng() * 6, rng() * 6]
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) for (let k = 0; k < 3; k++) {
    base[(y * s + x) * 3 + k] = 128 + 60 * Math.sin(a * x / s + b * y / s + c * k) + 40 * (rng() - 0.5)
  }
  const data = new Uint8Array(SIZE * SIZE * 3)
  const f = SIZE / s
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) for (let k = 0; k < 3; k++) {
    data[(y * SIZE + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(base[(Math.floor(y / f) * s + Math.floor(x / f)) * 3 + k]!)))
  }
  return {data, width: SIZE, height: SIZE}
}

async function pngPool(name: string, images: RgbImage[]): Promise<TrainingPool> {
  const pngs = await Promise.all(images.map((im) => sharp(Buffer.from(im.data), {raw: {width: im.width, height: im.height, channels: 3}}).png().toBuffer()))
  return {size: pngs.length, name, get: async (index) => ({bytes: pngs[index]!, source: name, index})}
}

const ops: ImageOps = {
  decode: async (bytes) => {
    const {data, info} = await sharp(bytes).removeAlpha().raw().toBuffer({resolveWithObject: true})
    return {data: new Uint8Array(data), width: info.width, height: info.height}
  },
  base: async (img) => img,
}

/** NPR checkpoints as bare state dicts (JSON shapes + float32 data), independent of the tfjs folder format. */
const store: ModelStore<NprNet> = {
  async save(net, dir) {
    fs.mkdirSync(dir, {recursive: true})
    const sd = net.stateDict()
    const meta = [...sd].map(([k, v]) => ({k, shape: v.shape, n: v.data.length}))
    fs.writeFileSync(path.join(dir, 'sd.json'), JSON.stringify(meta))
    fs.writeFileSync(path.join(dir, 'sd.bin'), Buffer.concat([...sd.values()].map((v) => Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength))))
  },
  async load(dir) {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'sd.json'), 'utf8')) as {k: string; shape: number[]; n: number}[]
    const bin = fs.readFileSync(path.join(dir, 'sd.bin'))
    const sd = new Map<string, {shape: number[]; data: Float32Array}>()
    let off = 0
    for (const {k, shape, n} of meta) {
      sd.set(k, {shape, data: new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + 4 * n))})
      off += 4 * n
    }
    const net = new NprNet()
    net.loadStateDict(sd)
    return net
  },
  async exportOnnx(_net, file) {
    fs.writeFileSync(file, 'onnx export stands in here')
  },
}

describe('trainer', () => {
  let trainSet: SampleSet, valSet: SampleSet
  beforeAll(async () => {
    await tf.setBackend('wasm')
    registerFastConv2dGrad()
    const rng = createRng(11)
    const real = Array.from({length: 32}, () => makeImage(rng, false))
    const fake = Array.from({length: 32}, () => makeImage(rng, true))
    trainSet = new SampleSet({real: await pngPool('real', real.slice(0, 24)), fake: await pngPool('fake', fake.slice(0, 24))}, ops, {inputSize: SIZE})
    valSet = new SampleSet({real: await pngPool('real', real.slice(24)), fake: await pngPool('fake', fake.slice(24))}, ops, {inputSize: SIZE})
  })

  it('trains 2 epochs: loss goes down, best model and event files exist, resume continues from the saved epoch', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-train-'))
    const config = {experiment: 't', epochs: 2, batchSize: 8, lr: 1e-3, beta1: 0.9, beta2: 0.999, delrFreq: 20, minLr: 1e-6, patience: 10, seed: 1, inputSize: SIZE, evalBatchSize: 16}
    const losses: number[] = []
    const r = await train({net: new NprNet({seed: 3}), store, train: trainSet, val: valSet, test: valSet, config, outDir: out, onProgress: (e) => losses.push(e.loss)})
    expect(r.status).toBe('finished')
    expect(r.history).toHaveLength(2)
    expect(r.history[1]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss)
    expect(fs.existsSync(path.join(out, 'model_epoch_best', 'sd.json'))).toBe(true)
    expect(fs.existsSync(path.join(out, 'model_epoch_best.onnx'))).toBe(true)
    expect(fs.existsSync(path.join(out, 'model_epoch_last.onnx'))).toBe(true)
    expect(r.test?.count).toBe(16)
    const events = fs.readdirSync(path.join(out, 'events'))
    expect(events.length).toBe(1)
    const ev = readEventFile(path.join(out, 'events', events[0]!))
    expect(ev[0]!.fileVersion).toBe('brain.Event:2')
    const tags = new Set(ev.flatMap((e) => Object.keys(e.scalars)))
    for (const t of ['train/loss', 'val/accuracy', 'val/ap', 'lr']) expect(tags.has(t)).toBe(true)

    // resume to 3 epochs: only epoch 3 runs, with the saved optimizer step count
    const state = JSON.parse(fs.readFileSync(path.join(out, 'resume', 'state.json'), 'utf8'))
    expect(state.epoch).toBe(2)
    const r2 = await train({net: new NprNet({seed: 3}), store, train: trainSet, val: valSet, config: {...config, epochs: 3}, outDir: out, resume: path.join(out, 'resume')})
    expect(r2.history.map((h) => h.epoch)).toEqual([1, 2, 3])
    const opt = JSON.parse(fs.readFileSync(path.join(out, 'resume', 'optimizer.json'), 'utf8'))
    expect(opt.step).toBe(3 * 6)
  })

  it('an abort mid-epoch saves a checkpoint that resumes at that batch', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-train-'))
    // micro-batches of 3 exercise gradient accumulation (8 = 3 + 3 + 2)
    const config = {microBatch: 3, experiment: 't', epochs: 1, batchSize: 8, lr: 1e-2, beta1: 0.9, beta2: 0.999, delrFreq: 20, minLr: 1e-6, patience: 10, seed: 1, inputSize: SIZE, evalBatchSize: 16}
    const ac = new AbortController()
    const r = await train({net: new NprNet({seed: 3}), store, train: trainSet, config, outDir: out, signal: ac.signal, onProgress: (e) => e.batch === 2 && ac.abort()})
    expect(r.status).toBe('interrupted')
    const state = JSON.parse(fs.readFileSync(path.join(out, 'resume', 'state.json'), 'utf8'))
    expect([state.epoch, state.batch]).toEqual([0, 2])
    const batches: number[] = []
    const r2 = await train({net: new NprNet({seed: 3}), store, train: trainSet, config, outDir: out, resume: r.resumeDir, onProgress: (e) => batches.push(e.batch)})
    expect(r2.status).toBe('finished')
    expect(batches).toEqual([3, 4, 5, 6])
  })

  it('on the ONNX Runtime engine: loss goes down, and a run checkpointed on tfjs resumes there', async () => {
    const onnx = async (n: NprNet, o: object) => new OnnxStepEngine(n, o)
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-train-'))
    const config = {experiment: 't', epochs: 2, batchSize: 8, lr: 1e-3, beta1: 0.9, beta2: 0.999, delrFreq: 20, minLr: 1e-6, patience: 10, seed: 1, inputSize: SIZE, evalBatchSize: 16}
    const logs: string[] = []
    const r = await train({net: new NprNet({seed: 3}), store, train: trainSet, val: valSet, config, outDir: out, engine: onnx, log: (m) => logs.push(m)})
    expect(logs).toContain('training steps on onnx')
    expect(r.status).toBe('finished')
    expect(r.history[1]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss)
    // the saved best model is the engine's weights, not the untrained network's
    const best = await store.load(path.join(out, 'model_epoch_best'))
    const fresh = new NprNet({seed: 3})
    expect(best.stateDict().get('conv1.weight')!.data).not.toEqual(fresh.stateDict().get('conv1.weight')!.data)
    expect(best.stateDict().get('bn1.num_batches_tracked')!.data[0]).toBeGreaterThan(0)
    best.dispose()
    fresh.dispose()

    const out2 = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-train-'))
    const ac = new AbortController()
    const first = await train({net: new NprNet({seed: 3}), store, train: trainSet, config: {...config, epochs: 1}, outDir: out2, signal: ac.signal, onProgress: (e) => e.batch === 2 && ac.abort()})
    expect(first.status).toBe('interrupted')
    const batches: number[] = []
    const r2 = await train({net: new NprNet({seed: 3}), store, train: trainSet, config: {...config, epochs: 1}, outDir: out2, resume: first.resumeDir, engine: onnx, onProgress: (e) => batches.push(e.batch)})
    expect(r2.status).toBe('finished')
    expect(batches).toEqual([3, 4, 5, 6])
    expect(JSON.parse(fs.readFileSync(path.join(out2, 'resume', 'optimizer.json'), 'utf8')).step).toBe(6)
  })
})
