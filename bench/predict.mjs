// Single-image NPR latency (224x224, batch 1): the ONNX Runtime path against the tfjs path.
// Build first (npx tsc -p tsconfig.build.json), then: node bench/predict.mjs [iterations] [tfjs backend] [model]
// With a model (e.g. models/npr.onnx) only that model is timed on ONNX Runtime, at its own input size.
// Weights: the parity checkpoint (test/fixtures/npr-parity/npr-random.pth); timing includes
// preprocessing (x/255 into the input tensor) and reading the probability back, not image decoding.
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadDetector} from '../dist/detector/index.js'
import {decodeImage, resize} from '../dist/image/index.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const parity = path.resolve(here, '..', 'test', 'fixtures', 'npr-parity')
const iters = Number(process.argv[2] ?? 30)
const backend = process.argv[3] ?? 'wasm'

async function time(det, img) {
  for (let i = 0; i < 3; i++) await det.predict([img])
  const ms = []
  for (let i = 0; i < iters; i++) {
    const t = performance.now()
    await det.predict([img])
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  return {median: ms[Math.floor(ms.length / 2)], mean: ms.reduce((a, b) => a + b, 0) / ms.length, min: ms[0]}
}

const img = await decodeImage(path.join(parity, 'img0.png'))
const modelArg = process.argv[4]
if (modelArg) {
  const det = await loadDetector(modelArg, {engine: 'onnx'})
  const side = det.inputSize
  const input = await resize(img, side, side)
  const r = await time(det, input)
  console.log(`node ${process.version}, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0].toFixed(1)}`)
  console.log(`${modelArg} on onnxruntime-node ${side}x${side} batch 1: median ${r.median.toFixed(1)} ms, mean ${r.mean.toFixed(1)} ms, min ${r.min.toFixed(1)} ms over ${iters} runs`)
  await det.dispose()
  process.exit(0)
}
const pth = path.join(parity, 'npr-random.pth')
console.log(`node ${process.version}, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? '?'}`)
for (const [label, opts] of [['onnx (onnxruntime-node cpu)', {engine: 'onnx'}], [`tfjs (${backend})`, {engine: 'tfjs', backend}]]) {
  const det = await loadDetector(pth, opts)
  const r = await time(det, img)
  console.log(`${label} 224x224 batch 1: median ${r.median.toFixed(1)} ms, mean ${r.mean.toFixed(1)} ms, min ${r.min.toFixed(1)} ms over ${iters} runs`)
  await det.dispose()
}
