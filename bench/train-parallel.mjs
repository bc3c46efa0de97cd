#!/usr/bin/env node
// Data-parallel NPR training step on tfjs wasm: W worker_threads, each with its own single-threaded wasm backend,
// compute the gradients of their share of the batch (micro-batches as bench/train.mjs); the main thread sums them
// and applies the project's Adam (dist/training/adam.js), then sends the new weights back. BatchNorm uses each
// worker's batch statistics (as PyTorch DDP without SyncBN). A throughput probe for "use both cores", not yet the
// trainer. Build first (npx tsc -p tsconfig.build.json), then:
//   node bench/train-parallel.mjs [size=224] [batch=16] [steps=2] [workers=2] [microBatch]
import os from 'node:os'
import {readFileSync} from 'node:fs'
import {Worker, isMainThread, parentPort, workerData} from 'node:worker_threads'
import {fileURLToPath} from 'node:url'

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

import {registerFastConv2dGrad} from '../dist/runtime/conv-grad.js'
import {NprNet} from '../dist/detector/npr.js'
import {Adam} from '../dist/training/adam.js'
import {toBatchTensor} from '../dist/training/samples.js'

await tf.setBackend('wasm')
await tf.ready()
registerFastConv2dGrad()
const net = new NprNet({seed: 0})
const vars = net.trainableVariables()

if (!isMainThread) {
  const {micro} = workerData
  parentPort.on('message', ({weights, images, labels, total}) => {
    vars.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)))
    const acc = vars.map((v) => new Float32Array(v.size))
    let loss = 0
    for (let m = 0; m < images.length; m += micro) {
      const x = toBatchTensor(images.slice(m, m + micro))
      const y = tf.tensor1d(labels.slice(m, m + micro), 'float32')
      const share = x.shape[0] / total
      const {value, grads} = tf.variableGrads(() => tf.mul(tf.losses.sigmoidCrossEntropy(y, net.forward(x, true)), share), vars)
      loss += value.dataSync()[0]
      vars.forEach((v, i) => {
        const g = grads[v.name]
        if (!g) return
        const d = g.dataSync()
        const a = acc[i]
        for (let k = 0; k < d.length; k++) a[k] += d[k]
      })
      tf.dispose([x, y, value, ...Object.values(grads)])
    }
    parentPort.postMessage({grads: acc, loss}, acc.map((a) => a.buffer))
  })
} else {
  const [size = 224, batch = 16, steps = 2, workers = 2] = process.argv.slice(2, 6).map(Number)
  const micro = process.argv[6] ? Number(process.argv[6]) : Math.max(1, Math.floor((4 * 224 * 224) / (size * size)))
  const params = new Map(vars.map((v, i) => [String(i), v]))
  const adam = new Adam({lr: 1e-4})
  let seed = 1
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const images = Array.from({length: batch}, () => ({width: size, height: size, data: Uint8Array.from({length: size * size * 3}, () => Math.floor(rnd() * 256))}))
  const labels = images.map((_, i) => i % 2)
  const pool = Array.from({length: workers}, () => new Worker(fileURLToPath(import.meta.url), {workerData: {micro}}))
  const step = async () => {
    const weights = vars.map((v) => v.dataSync().slice())
    const per = Math.ceil(batch / workers)
    const parts = await Promise.all(pool.map((w, k) => new Promise((resolve) => {
      w.once('message', resolve)
      w.postMessage({weights, images: images.slice(k * per, (k + 1) * per), labels: labels.slice(k * per, (k + 1) * per), total: batch})
    })))
    const byIndex = {}
    vars.forEach((v, i) => {
      const sum = new Float32Array(v.size)
      for (const p of parts) for (let k = 0; k < sum.length; k++) sum[k] += p.grads[i][k]
      byIndex[String(i)] = tf.tensor(sum, v.shape)
    })
    adam.apply(params, byIndex)
    tf.dispose(Object.values(byIndex))
    return parts.reduce((s, p) => s + p.loss, 0)
  }
  await step()
  const t0 = performance.now()
  for (let i = 0; i < steps; i++) await step()
  const s = (performance.now() - t0) / 1000
  await Promise.all(pool.map((w) => w.terminate()))
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model
  console.log(`tfjs ${tf.version.tfjs} wasm × ${workers} worker threads · ${os.cpus().length} CPUs (${cpu}) · load ${os.loadavg()[0].toFixed(2)}`)
  console.log(`NPR train step ${size}x${size} batch ${batch} (micro-batches of ${micro}), data-parallel: ${((steps * batch) / s).toFixed(2)} images/s (${(s / steps).toFixed(2)} s/step)`)
}
