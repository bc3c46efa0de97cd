// Where `bitmind predict` spends its time, stage by stage, on the files of a folder (default: the 31-file set of
// bench/predict-set.mjs). Build first (npm run build), then: node bench/predict-profile.mjs [DIR] [batch=16] [model]
// Stages: module imports (start-up), model load, read + decode (sharp: EXIF rotate, sRGB, alpha dropped),
// centre crop + Pillow-exact resize, tensor building (x/255, NCHW), session.run, and the whole predictFiles.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const t = () => performance.now()
let dir = process.argv[2]
let tmp
if (!dir) {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-pset-'))
  execFileSync(process.execPath, [path.join(here, 'predict-set.mjs'), tmp])
  dir = tmp
}
const batch = Number(process.argv[3] ?? 16)
const model = process.argv[4] ?? path.join(here, '..', 'models', 'npr.onnx')

let t0 = t()
const image = await import('../dist/image/index.js')
const tImage = t() - t0
t0 = t()
// what the CLI imports for an .onnx model (detector/index.js would pull in tfjs as well)
const detectorMod = {...(await import('../dist/detector/load.js')), ...(await import('../dist/detector/predict-files.js'))}
const tDetector = t() - t0
t0 = t()
const det = await detectorMod.loadDetector(model, {engine: 'onnx'})
const tLoad = t() - t0
const files = readdirSync(dir).sort().map((f) => path.join(dir, f))
const size = det.inputSize

const stages = {decode: 0, cropResize: 0, tensor: 0, run: 0}
async function onePass() {
  for (let i = 0; i < files.length; i += batch) {
    const chunk = files.slice(i, i + batch)
    let s = t()
    const decoded = await Promise.all(chunk.map((f) => image.decodeImage(f)))
    stages.decode += t() - s
    s = t()
    const prepped = await Promise.all(decoded.map((im) => image.centerCropResize(im, size)))
    stages.cropResize += t() - s
    s = t()
    const x = image.toNCHW(prepped)
    stages.tensor += t() - s
    s = t()
    await det.run(x, chunk.length)
    stages.run += t() - s
  }
}
await onePass() // warm-up (first session.run allocates)
for (const k of Object.keys(stages)) stages[k] = 0
const reps = 3
for (let r = 0; r < reps; r++) await onePass()
t0 = t()
for (let r = 0; r < reps; r++) await detectorMod.predictFiles(files, det, {batchSize: batch})
const tWhole = (t() - t0) / reps
await det.dispose()
if (tmp) rmSync(tmp, {recursive: true})

const per = (ms) => (ms / reps / files.length).toFixed(2)
const sum = Object.values(stages).reduce((a, b) => a + b, 0)
console.log(`node ${process.version}, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`start-up: import image ${tImage.toFixed(0)} ms, import detector ${tDetector.toFixed(0)} ms, load ${path.basename(model)} ${tLoad.toFixed(0)} ms`)
console.log(`${files.length} files, batch ${batch}, ${size}x${size}, ms per image (mean of ${reps} passes):`)
for (const [k, v] of Object.entries(stages)) console.log(`  ${k.padEnd(11)} ${per(v).padStart(7)}  ${((100 * v) / sum).toFixed(0).padStart(3)} %`)
console.log(`  ${'sum'.padEnd(11)} ${per(sum).padStart(7)}`)
console.log(`  predictFiles ${(tWhole / files.length).toFixed(2)} (the same work through the CLI's path)`)
