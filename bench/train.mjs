#!/usr/bin/env node
// Images/s of one NPR training step (forward in training mode, BCE-with-logits, gradients, Adam update), through
// the trainer's own step engines. Build first (npx tsc -p tsconfig.build.json), then:
//   [ENGINE=onnx|tfjs] node bench/train.mjs [size=224] [batch=16] [steps=2] [microBatch] [backend=wasm]
// ENGINE=onnx (what `bitmind train` uses): ONNX Runtime on every core. ENGINE=tfjs (the default here, as before):
// the tfjs backend; wasm's 4 GiB heap holds NPR's backprop activations for about 4 images at 224², so larger batches
// accumulate gradients over micro-batches there (the default: 4). One warm-up step, as bench/train-torch.py.
import os from 'node:os'
import {readFileSync} from 'node:fs'

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

import {NprNet} from '../dist/detector/npr.js'
import {registerFastConv2dGrad} from '../dist/runtime/conv-grad.js'
import {OnnxStepEngine} from '../dist/training/onnx-step.js'
import {TfjsStepEngine} from '../dist/training/step-engine.js'

tf.env().set('PROD', true)
const [size = 224, batch = 16, steps = 2] = process.argv.slice(2, 5).map(Number)
const engineName = process.env.ENGINE ?? 'tfjs'
const backend = process.argv[6] ?? 'wasm'
const onWasmTfjs = engineName === 'tfjs' && backend === 'wasm'
const micro = process.argv[5] ? Number(process.argv[5]) : onWasmTfjs ? Math.max(1, Math.floor((4 * 224 * 224) / (size * size))) : batch
await tf.setBackend(backend)
await tf.ready()
registerFastConv2dGrad()

const net = new NprNet({seed: 0})
const opts = {lr: 1e-4, microBatch: micro}
const engine = engineName === 'onnx' ? new OnnxStepEngine(net, opts) : new TfjsStepEngine(net, opts)
let seed = 1
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const images = Array.from({length: batch}, () => ({width: size, height: size, data: Uint8Array.from({length: size * size * 3}, () => Math.floor(rnd() * 256))}))
const labels = images.map((_, i) => i % 2)

await engine.step(images, labels)
const t0 = performance.now()
for (let i = 0; i < steps; i++) await engine.step(images, labels)
const s = (performance.now() - t0) / 1000
await engine.dispose()
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model
const where = engineName === 'onnx' ? 'engine onnx (ONNX Runtime, every core)' : `engine tfjs ${tf.version.tfjs} backend ${tf.getBackend()}`
console.log(`${where} · ${os.cpus().length} CPUs (${cpu}) · load ${os.loadavg()[0].toFixed(2)}`)
console.log(`NPR train step ${size}x${size} batch ${batch}${micro < batch ? ` (micro-batches of ${micro})` : ''}: ${((steps * batch) / s).toFixed(2)} images/s (${(s / steps).toFixed(2)} s/step)`)
