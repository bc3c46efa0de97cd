#!/usr/bin/env node
// Images/s of one NPR training step (forward in training mode, BCE-with-logits, gradients, Adam update) on tfjs.
// Build first (npx tsc -p tsconfig.build.json), then: node bench/train.mjs [size] [batch] [steps] [backend]
// Defaults: 224² batch 16, 3 timed steps after one warm-up, the wasm backend.
import os from 'node:os'
import {readFileSync} from 'node:fs'

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

import {NprNet} from '../dist/detector/npr.js'
import {Adam} from '../dist/training/adam.js'
import {registerFastConv2dGrad} from '../dist/training/conv-grad.js'

const [size = 224, batch = 16, steps = 3] = process.argv.slice(2, 5).map(Number)
const backend = process.argv[5] ?? 'wasm'
await tf.setBackend(backend)
await tf.ready()
registerFastConv2dGrad()

const net = new NprNet({seed: 0})
const vars = net.trainableVariables()
const params = new Map(vars.map((v, i) => [String(i), v]))
const adam = new Adam({lr: 1e-4})
const x = tf.randomUniform([batch, size, size, 3])
const y = tf.tensor1d(Array.from({length: batch}, (_, i) => i % 2))

function step() {
  const {value, grads} = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(y, net.forward(x, true)), vars)
  const byIndex = {}
  vars.forEach((v, i) => (byIndex[String(i)] = grads[v.name]))
  adam.apply(params, byIndex)
  value.dataSync()
  tf.dispose([value, ...Object.values(grads)])
}

step()
const t0 = performance.now()
for (let i = 0; i < steps; i++) step()
const s = (performance.now() - t0) / 1000
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model
console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()} · ${os.cpus().length} CPUs (${cpu}) · load ${os.loadavg()[0].toFixed(2)}`)
console.log(`NPR train step ${size}x${size} batch ${batch}: ${((steps * batch) / s).toFixed(2)} images/s (${(s / steps).toFixed(2)} s/step)`)
