// Build the int8 (static, QDQ) NPR model from our weights, calibrated on validator-style challenges of corpus images.
// Build first (npm run build), then:
//   node bench/quantize-npr.mjs [MODEL_DIR=models/npr] [CORPUS=/work/corpus] [OUT=models/npr-int8.onnx] [N=128] [SPLIT=train]
// Calibration images: N files spread over the split (both classes), each turned into one seeded challenge
// (augmentChallenge: rotation, RandomResizedCrop to the model's size, flips; JPEG q75, decoded) as `eval --challenge`
// does, so the activation ranges are those of what a miner is sent. Never the test split.
// KEEP_QDQ=1 keeps the QDQ file. PERCENTILE=99.99 (env) clips each range at that percentile (averaged over batches) instead of min/max.
import {rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import * as ort from 'onnxruntime-node'

import {createRng} from '../dist/config/random.js'
import {calibrateNpr, quantizeNprOnnx} from '../dist/detector/quantize.js'
import {readStateDict} from '../dist/detector/tfjs-io.js'
import {augmentChallenge, decodeImage, encodeJpeg} from '../dist/image/index.js'
import {resolveLabeledFiles} from '../dist/training/labeled-files.js'

const [modelDir = 'models/npr', corpus = '/work/corpus', out = 'models/npr-int8.onnx', nArg = '128', split = 'train'] = process.argv.slice(2)
if (split === 'test') throw new Error('calibrate on train or val, never on the test split')
const n = Number(nArg)
const {sd, inputSize} = await readStateDict(modelDir)
const size = inputSize ?? 224
const files = resolveLabeledFiles(corpus, split)
if (files.length === 0) throw new Error(`${corpus}: no ${split} images`)
const picked = Array.from({length: Math.min(n, files.length)}, (_, k) => files[Math.floor((k * files.length) / Math.min(n, files.length))])
const rng = createRng(1234)
const images = []
for (const f of picked) {
  const img = await decodeImage(f.file)
  images.push(await decodeImage(await encodeJpeg(await augmentChallenge(img, rng, size), 75)))
}
const t0 = performance.now()
const percentile = process.env.PERCENTILE ? Number(process.env.PERCENTILE) : undefined
const ranges = await calibrateNpr(sd, images, {inputSize: size, ...(percentile ? {percentile} : {})})
const bytes = quantizeNprOnnx(sd, ranges, {inputSize: size, metadata: {'bitmind.calibration': `${images.length} ${split} challenges of ${path.basename(corpus)}, ${percentile ? `percentile ${percentile}` : 'min/max'}`}})
// ONNX Runtime's hardware-independent ('extended') graph optimisations saved into the file: the QDQ pairs fused into
// QLinearConv / QLinearAdd once here instead of at every load (the QDQ form stays in OUT.qdq.onnx for other runtimes).
const qdq = out.replace(/\.onnx$/, '') + '.qdq.onnx'
writeFileSync(qdq, bytes)
await (await ort.InferenceSession.create(qdq, {graphOptimizationLevel: 'extended', optimizedModelFilePath: out})).release()
if (!process.env.KEEP_QDQ) rmSync(qdq)
console.log(`${out}: QDQ ${(bytes.length / 1e6).toFixed(2)} MB, optimised by ONNX Runtime, ${ranges.size} activation ranges from ${images.length} ${split} challenges (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
