#!/usr/bin/env node
// Images/s of one NPR training step (forward in training mode, BCE-with-logits, gradients, Adam update) on tfjs,
// through the trainer's own trainStep. Build first (npx tsc -p tsconfig.build.json), then:
//   node bench/train.mjs [size=224] [batch=16] [steps=2] [microBatch] [backend=wasm]
// wasm's 4 GiB heap holds NPR's backprop activations for about 4 images at 224², so larger batches accumulate
// gradients over micro-batches (the default there: 4).
import os from 'node:os'
import {readFileSync} from 'node:fs'

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

import {NprNet} from '../dist/detector/npr.js'
import {Adam} from '../dist/training/adam.js'
import {registerFastConv2dGrad} from '../dist/runtime/conv-grad.js'
import {trainStep} from '../dist/training/trainer.js'

const [size = 224, batch = 16, steps = 2] = process.argv.slice(2, 5).map(Number)
const backend = process.argv[6] ?? 'wasm'
const micro = process.argv[5] ? Number(process.argv[5]) : backend === 'wasm' ? Math.max(1, Math.floor((4 * 224 * 224) / (size * size))) : batch
await tf.setBackend(backend)
await tf.ready()
registerFastConv2dGrad()

const net = new NprNet({seed: 0})
const vars = net.trainableVariables()
const params = new Map(vars.map((v, i) => [String(i), v]))
const adam = new Adam({lr: 1e-4})
let seed = 1
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const images = Array.from({length: batch}, () => ({width: size, height: size, data: Uint8Array.from({length: size * size * 3}, () => Math.floor(rnd() * 256))}))
const labels = images.map((_, i) => i % 2)

trainStep(net, vars, params, adam, images, labels, micro)
const t0 = performance.now()
for (let i = 0; i < steps; i++) trainStep(net, vars, params, adam, images, labels, micro)
const s = (performance.now() - t0) / 1000
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model
console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()} · ${os.cpus().length} CPUs (${cpu}) · load ${os.loadavg()[0].toFixed(2)}`)
console.log(`NPR train step ${size}x${size} batch ${batch}${micro < batch ? ` (micro-batches of ${micro})` : ''}: ${((steps * batch) / s).toFixed(2)} images/s (${(s / steps).toFixed(2)} s/step)`)
