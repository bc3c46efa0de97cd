// Build the int8 (static, QDQ) NPR model from our weights, calibrated on validator-style challenges of corpus images.
// Build first (npm run build), then:
//   node bench/quantize-npr.mjs [MODEL_DIR=models/npr] [CORPUS=/work/corpus] [OUT=models/npr-int8.onnx] [N=128] [SPLIT=train]
// Calibration images: N files spread over the split (both classes), each turned into one seeded challenge
// (augmentChallenge: rotation, RandomResizedCrop to the model's size, flips; JPEG q75, decoded) as `eval --challenge`
// does, so the activation ranges are those of what a miner is sent. Never the test split.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

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
const ranges = await calibrateNpr(sd, images, {inputSize: size})
const bytes = quantizeNprOnnx(sd, ranges, {inputSize: size, metadata: {'bitmind.calibration': `${images.length} ${split} challenges of ${path.basename(corpus)}`}})
writeFileSync(out, bytes)
console.log(`${out}: ${(bytes.length / 1e6).toFixed(2)} MB, ${ranges.size} activation ranges from ${images.length} ${split} challenges (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
