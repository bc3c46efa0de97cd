/**
 * What `bitmind train` does, wired from the detector, image and data modules: the command only parses flags
 * and prints.
 */
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'

import {NprNet} from '../detector/npr.js'
import {importPth} from '../detector/pth.js'
import {exportNprOnnx} from '../detector/onnx-export.js'
import {loadTfjsModel, saveTfjsModel} from '../detector/tfjs-io.js'
import {augmentTrain} from '../image/augment.js'
import {augmentChoice, centerCropResize, decodeImage, encodeJpeg} from '../image/index.js'
import {registerFastConv2dGrad} from '../runtime/conv-grad.js'
import {resolveBackend} from '../runtime/tfjs-backend.js'
import {openTrainingPools, type TrainingDataOptions} from './data.js'
import {OnnxStepEngine} from './onnx-step.js'
import {SampleSet, type ImageOps} from './samples.js'
import type {EngineName, EngineOptions} from './step-engine.js'
import {DEFAULT_TRAIN_CONFIG, train, type EpochSummary, type ModelStore, type ProgressEvent, type TrainConfig, type TrainResult} from './trainer.js'

// ---- train ----

export interface TrainRunOptions extends TrainingDataOptions {
  experiment: string
  checkpointsDir: string
  resume?: string
  init?: string
  backend?: string
  /** what computes the training steps (default onnx: ONNX Runtime on every core; tfjs: the tfjs backend) */
  engine?: EngineName
  config: Partial<Omit<TrainConfig, 'experiment'>>
  signal?: AbortSignal
  onProgress?: (e: ProgressEvent) => void
  onEpoch?: (e: EpochSummary) => void
  log?: (msg: string) => void
}

/** NPR checkpoints: our tfjs folder format, and the ONNX export `bitmind mine` serves. */
export function nprStore(inputSize: number): ModelStore<NprNet> {
  return {
    save: (net, dir) => saveTfjsModel(net, dir, {inputSize}),
    load: (dir) => loadTfjsModel(dir),
    exportOnnx: (net, file) => exportNprOnnx(net.stateDict(), file, {inputSize}),
  }
}

export function imageOps(): ImageOps {
  return {
    decode: (bytes, name) => decodeImage(bytes, {name}),
    base: (img, size) => centerCropResize(img, size),
    augment: (img, rng, size) => augmentTrain(img, rng, size),
    challenge: async (img, rng, size, quality, level = 1) => decodeImage(await encodeJpeg((await augmentChoice(img, level, rng, size)).image, quality), {name: 'challenge'}),
  }
}

/** A run to resume is named by its experiment folder or its resume/ folder. */
function resumeDir(p: string): string {
  if (existsSync(path.join(p, 'state.json'))) return p
  if (existsSync(path.join(p, 'resume', 'state.json'))) return path.join(p, 'resume')
  throw new Error(`${p} holds no resumable checkpoint (state.json): give the experiment folder or its resume/ folder`)
}

export async function runTrain(opts: TrainRunOptions): Promise<TrainResult> {
  const backend = await resolveBackend(opts.backend)
  // wasm lacks Conv2DBackpropFilter and its Conv2DBackpropInput is slow: use forward kernels for the gradient, on
  // cpu too (resolveBackend registers them on wasm only)
  if (tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu') registerFastConv2dGrad()
  opts.log?.(`tfjs backend: ${backend}`)

  const resume = opts.resume ? resumeDir(opts.resume) : undefined
  const outDir = resume ? path.dirname(resume) : path.join(opts.checkpointsDir, opts.experiment)
  const explicit = Object.fromEntries(Object.entries(opts.config).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>
  let config: TrainConfig = {...DEFAULT_TRAIN_CONFIG, ...explicit, experiment: opts.experiment}
  if (resume) {
    // a resumed run keeps its recipe; a given epoch count moves where it ends
    const saved = JSON.parse(await readFile(path.join(resume, 'state.json'), 'utf8')) as {config?: TrainConfig}
    if (!saved.config) throw new Error(`${resume}/state.json has no run config`)
    config = {...saved.config, epochs: opts.config.epochs ?? saved.config.epochs}
  }
  // the data a run trained on is remembered, so resuming with no data options continues it
  const dataFile = path.join(outDir, 'data.json')
  const given = (['corpus', 'real', 'fake', 'datasets', 'cacheDir', 'registryPath', 'valFraction'] as const)
    .filter((k) => opts[k] !== undefined && !(Array.isArray(opts[k]) && (opts[k] as unknown[]).length === 0))
  const dataOpts: TrainingDataOptions = resume && existsSync(dataFile) && !given.some((k) => k !== 'valFraction')
    ? JSON.parse(await readFile(dataFile, 'utf8')) as TrainingDataOptions
    : {corpus: opts.corpus, real: opts.real, fake: opts.fake, datasets: opts.datasets, cacheDir: opts.cacheDir, registryPath: opts.registryPath, valFraction: opts.valFraction}
  const engine = opts.engine ?? 'onnx'
  if (config.microBatch === undefined && backend === 'wasm' && engine === 'tfjs') {
    // wasm's heap is 4 GiB: NPR's activations for backprop at 224² fit about 4 images at a time
    const side = config.trainCrop ?? config.inputSize
    const fits = Math.max(1, Math.floor((4 * 224 * 224) / (side * side)))
    if (fits < config.batchSize) config.microBatch = fits
  }
  const pools = await openTrainingPools(dataOpts)
  await mkdir(outDir, {recursive: true})
  await writeFile(dataFile, JSON.stringify(dataOpts, null, 2))
  const ops = imageOps()
  const challenge = config.challengeQuality === undefined ? undefined : {size: config.inputSize, quality: config.challengeQuality, level: config.challengeLevel ?? 1}
  const setOpts = {inputSize: config.inputSize, trainCrop: config.trainCrop, cropAlign: config.cropAlign, challenge}
  const trainSet = new SampleSet(pools.train, ops, setOpts)
  const valSet = pools.val ? new SampleSet(pools.val, ops, setOpts) : undefined
  const testSet = pools.test ? new SampleSet(pools.test, ops, setOpts) : undefined
  opts.log?.(`data: ${pools.describe} — train ${trainSet.realSize} real / ${trainSet.fakeSize} fake${valSet ? `, val ${valSet.realSize} / ${valSet.fakeSize}` : ''}${testSet ? `, test ${testSet.realSize} / ${testSet.fakeSize}` : ''}`)

  let net: NprNet
  if (opts.init) {
    if (opts.init.endsWith('.pth')) {
      net = new NprNet({seed: config.seed})
      net.loadStateDict(await importPth(opts.init))
    } else {
      net = await loadTfjsModel(opts.init)
    }
  } else {
    net = new NprNet({seed: config.seed})
  }
  return train({
    net,
    store: nprStore(config.inputSize),
    train: trainSet,
    val: valSet,
    test: testSet,
    config,
    outDir,
    resume,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onEpoch: opts.onEpoch,
    log: opts.log,
    ...(engine === 'onnx' ? {engine: async (n: NprNet, o: EngineOptions) => new OnnxStepEngine(n, o)} : {}),
  })
}
