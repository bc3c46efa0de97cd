// Pipeline overhead per denoising step (everything but session.run: scale_model_input, scheduler step, CFG mix,
// float16 conversion, feed tensors) on the tiny test models at real latent sizes, against an estimate of one real
// SD-turbo UNet step on this CPU (FLOPs from the literature ÷ ONNX Runtime's measured MatMul rate here).
// Run after `npx tsc -p tsconfig.build.json`:  node bench/generate.mjs [size=512] [steps=8]
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import ort from 'onnxruntime-node'
import ts from 'typescript'

const size = Number(process.argv[2] ?? 512)
const steps = Number(process.argv[3] ?? 8)
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-bench-gen-'))

// The tiny-model writer lives with the tests (TypeScript); transpile it for this run.
const src = await fs.readFile('test/generation/tiny-onnx-models.ts', 'utf8')
const js = ts.transpileModule(src, {compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022}}).outputText
const helper = path.join(process.cwd(), 'bench', '.tiny-onnx-models.tmp.mjs')
await fs.writeFile(helper, js)
const {writeTinyPipeline} = await import(pathToFileURL(helper).href)
await fs.rm(helper)
const {OnnxDiffusionPipeline} = await import(pathToFileURL(path.resolve('dist/generation/onnx-diffusion.js')).href)

const SCHED = {_class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'trailing'}
const cases = [
  ['sd fp32, CFG 7.5', {kind: 'sd', float: 'float32', timestep: 'int64', scheduler: SCHED}, 7.5],
  ['sd-turbo-like fp16', {kind: 'sd', float: 'float16', timestep: 'int64', scheduler: SCHED}, 0],
  ['sdxl fp16, ancestral', {kind: 'sdxl', float: 'float16', timestep: 'int64', idType: 'int64', scheduler: {...SCHED, _class_name: 'EulerAncestralDiscreteScheduler'}}, 0],
  ['lcm fp32', {kind: 'lcm', float: 'float32', timestep: 'float32', scheduler: {...SCHED, _class_name: 'LCMScheduler'}}, 8],
]

// ONNX Runtime's fp32 MatMul throughput on this machine (1024³, best of 5).
const n = 1024
const a = new ort.Tensor('float32', Float32Array.from({length: n * n}, (_, i) => (i % 7) / 7), [n, n])
const {onnx} = (await import('onnx-proto')).default
const mm = onnx.ModelProto.encode(onnx.ModelProto.create({irVersion: 8, opsetImport: [{domain: '', version: 18}], graph: onnx.GraphProto.create({
  name: 'mm', node: [onnx.NodeProto.create({opType: 'MatMul', input: ['a', 'a'], output: ['y']})],
  input: [onnx.ValueInfoProto.create({name: 'a', type: {tensorType: {elemType: 1, shape: {dim: [{dimValue: n}, {dimValue: n}]}}}})],
  output: [onnx.ValueInfoProto.create({name: 'y', type: {tensorType: {elemType: 1, shape: {dim: [{dimValue: n}, {dimValue: n}]}}}})],
})})).finish()
const mmSession = await ort.InferenceSession.create(mm)
let best = Infinity
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  await mmSession.run({a})
  best = Math.min(best, performance.now() - t)
}
const gflops = (2 * n ** 3) / (best / 1000) / 1e9
// SD 1.x/2.x UNet at a 64×64 latent: ≈ 339 G multiply-accumulates per forward (BK-SDM, Kim et al. 2023, Table 1) ≈ 678 GFLOP.
const unetStepMs = (678 / gflops) * 1000

const lat = size / 8
console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}; image ${size}x${size} (latent 4x${lat}x${lat}), ${steps} steps`)
console.log(`ORT fp32 MatMul: ${gflops.toFixed(1)} GFLOP/s → estimated real SD-turbo UNet step ≈ ${(unetStepMs / 1000).toFixed(1)} s`)
for (const [label, spec, gs] of cases) {
  const dir = path.join(root, label.replace(/\W+/g, '-'))
  await writeTinyPipeline(dir, spec)
  const pipe = await OnnxDiffusionPipeline.load(dir)
  await pipe.generate({prompt: 'warm up', width: size, height: size, steps: 2, seed: 0, guidanceScale: gs})
  const r = await pipe.generate({prompt: 'a lighthouse in a storm', width: size, height: size, steps, seed: 1, guidanceScale: gs})
  const t = r.meta.timings
  const perStep = t.schedulerMs / steps
  console.log(`${label.padEnd(22)} overhead ${perStep.toFixed(2)} ms/step (${((perStep / unetStepMs) * 100).toFixed(3)} % of a real UNet step); tiny unet.run ${(t.unetMs / steps).toFixed(2)} ms/step`)
  await pipe.dispose()
}
await fs.rm(root, {recursive: true, force: true})
