import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import * as ort from 'onnxruntime-node'

import {PredictBatcher} from '../../src/miner/batcher.js'
import {ModelHolder, type ReloadEvent, type ServingModel} from '../../src/miner/model-holder.js'
import {tinyDetectorOnnx} from './tiny-onnx.js'

const SIZE = 8
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-holder-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

/** A real ONNX Runtime session over flat 3×SIZE×SIZE tensors. */
async function ortLoader(p: string): Promise<ServingModel<Float32Array>> {
  const session = await ort.InferenceSession.create(p)
  return {
    name: path.basename(p),
    async predict(inputs) {
      const x = new Float32Array(inputs.length * 3 * SIZE * SIZE)
      inputs.forEach((t, i) => x.set(t, i * t.length))
      const out = await session.run({input: new ort.Tensor('float32', x, [inputs.length, 3, SIZE, SIZE])})
      return Array.from(out.output!.data as Float32Array)
    },
    dispose: () => session.release(),
  }
}

const grey = (v: number) => new Float32Array(3 * SIZE * SIZE).fill(v)

function waitFor(events: ReloadEvent[], n: number, ms = 8000): Promise<void> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (events.length >= n) return resolve()
      if (Date.now() - start > ms) return reject(new Error(`no reload event after ${ms} ms`))
      setTimeout(tick, 20)
    }
    tick()
  })
}

describe('ModelHolder hot reload (real ONNX sessions)', () => {
  it('serves a replaced model on the next request, keeps the old one when the replacement is corrupt', async () => {
    const file = path.join(tmp, 'model.onnx')
    await fs.writeFile(file, tinyDetectorOnnx({scale: 0, bias: 0, inputSize: SIZE}))
    const events: ReloadEvent[] = []
    const holder = await ModelHolder.open(file, ortLoader, {pollMs: 50, settleMs: 30, onReload: (e) => events.push(e)})
    try {
      expect(await holder.predict([grey(0.5)])).toEqual([0.5])

      // replace by rename (new inode), as `mv` and most deploy tools do
      const next = path.join(tmp, 'next.onnx.tmp')
      await fs.writeFile(next, tinyDetectorOnnx({scale: 0, bias: 2, inputSize: SIZE}))
      await fs.rename(next, file)
      await waitFor(events, 1)
      expect(events[0]).toMatchObject({ok: true, generation: 2})
      const [p] = await holder.predict([grey(0.5)])
      expect(p).toBeCloseTo(1 / (1 + Math.exp(-2)), 6)

      // a corrupt replacement: reload fails, the previous model keeps answering
      await fs.writeFile(file, Buffer.from('this is not an onnx model'))
      await waitFor(events, 2)
      expect(events[1]).toMatchObject({ok: false})
      const [q] = await holder.predict([grey(0.5)])
      expect(q).toBeCloseTo(1 / (1 + Math.exp(-2)), 6)
      expect(holder.generation).toBe(2)

      // and a good file after the bad one is picked up again (overwritten in place this time)
      await fs.writeFile(file, tinyDetectorOnnx({scale: 0, bias: -3, inputSize: SIZE}))
      await waitFor(events, 3)
      expect(events[2]).toMatchObject({ok: true, generation: 3})
      const [r] = await holder.predict([grey(0.5)])
      expect(r).toBeCloseTo(1 / (1 + Math.exp(3)), 6)
    } finally {
      await holder.close()
    }
  })

  it('refuses to start on a broken model file', async () => {
    const file = path.join(tmp, 'broken.onnx')
    await fs.writeFile(file, 'garbage')
    await expect(ModelHolder.open(file, ortLoader)).rejects.toThrow()
  })
})

describe('PredictBatcher', () => {
  it('runs concurrent requests as one model call and routes each answer back', async () => {
    const file = path.join(tmp, 'batch.onnx')
    await fs.writeFile(file, tinyDetectorOnnx({scale: 4, bias: -2, inputSize: SIZE}))
    const model = await ortLoader(file)
    const calls: number[] = []
    const batcher = new PredictBatcher<Float32Array>(async (xs) => {
      calls.push(xs.length)
      return model.predict(xs)
    }, {windowMs: 20, maxBatch: 4})
    const values = [0, 0.25, 0.5, 0.75, 1, 0.1]
    const got = await Promise.all(values.map((v) => batcher.submit(grey(v))))
    values.forEach((v, i) => expect(got[i]).toBeCloseTo(1 / (1 + Math.exp(-(4 * v - 2))), 5))
    expect(calls).toEqual([4, 2])
    const failing = new PredictBatcher<number>(async () => {
      throw new Error('boom')
    })
    await expect(failing.submit(1)).rejects.toThrow('boom')
    await model.dispose()
  })
})
