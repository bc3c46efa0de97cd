/**
 * The NPR trainer (BitMind's recipe): Adam, BCE-with-logits on balanced real/fake batches, lr × 0.9 every
 * `delrFreq` epochs, validation every epoch, `model_epoch_best` on a better validation accuracy, early stop
 * after `patience` epochs without one, then a test evaluation and `model_epoch_last`.
 *
 * Output folder: config.json, events/ (TensorBoard), model_epoch_best/ + .onnx, model_epoch_last/ + .onnx,
 * resume/ (weights, Adam moments, counters: written after every epoch and on abort), metrics.json.
 */
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {createRng} from '../config/random.js'
import type {LevelChoice} from '../image/levels.js'
import {scheduledLr, type AdamState} from './adam.js'
import {computeMetrics, type Metrics} from './metrics.js'
import type {RgbImage} from '../image/types.js'
import {balancedEpoch, mixSeed, type SampleRef, type SampleSet} from './samples.js'
import {TfjsStepEngine, type EngineOptions, type StepEngine, type TrainableNet} from './step-engine.js'
import {EventWriter} from './tensorboard.js'

export type {TrainableNet} from './step-engine.js'

/** How the trainer persists a network: our format (a folder), its ONNX export, and loading it back. */
export interface ModelStore<N extends TrainableNet> {
  save(net: N, dir: string): Promise<void>
  load(dir: string): Promise<N>
  exportOnnx?(net: N, file: string): Promise<void>
}

export interface TrainConfig {
  experiment: string
  epochs: number
  batchSize: number
  lr: number
  beta1: number
  beta2: number
  delrFreq: number
  minLr: number
  patience: number
  seed: number
  inputSize: number
  trainCrop?: number
  /** samples per class per epoch (default: the larger training pool) */
  perClass?: number
  /** cap on validation samples per class (default: all) */
  valPerClass?: number
  /** accumulate gradients over micro-batches of this size (memory); default: the whole batch at once */
  microBatch?: number
  /** raw train crops start at multiples of this (keeps up-sampling grids aligned with the network's strides) */
  cropAlign?: number
  /**
   * Before each validation, re-estimate BatchNorm running statistics over this many training batches
   * (forward in training mode, no gradients). At the high learning rates a short CPU run needs, running
   * averages lag the weights and bias eval-mode predictions; 0 turns it off.
   */
  bnRecalibrationBatches?: number
  evalBatchSize: number
  /**
   * Train and evaluate on validator-style challenges (rotation, RandomResizedCrop to `inputSize`, flips, JPEG at
   * this quality; the validator's PIL default is 75) instead of the base transform; unset: off.
   */
  challengeQuality?: number
  /** augmentation level of those challenges (src/image/levels.ts); default 1, the recipe above */
  challengeLevel?: LevelChoice
}

export const DEFAULT_TRAIN_CONFIG: Omit<TrainConfig, 'experiment'> = {
  epochs: 100,
  batchSize: 32,
  lr: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  delrFreq: 20,
  minLr: 1e-6,
  patience: 10,
  seed: 0,
  inputSize: 224,
  evalBatchSize: 16,
}

export interface ProgressEvent {
  epoch: number
  epochs: number
  batch: number
  batches: number
  loss: number
  imagesPerSec: number
  etaS: number
}

export interface EpochSummary {
  epoch: number
  lr: number
  trainLoss: number
  imagesPerSec: number
  seconds: number
  val?: {accuracy: number; ap: number}
  improved: boolean
}

export interface TrainResult {
  status: 'finished' | 'early-stopped' | 'interrupted'
  outDir: string
  epochsRun: number
  bestEpoch: number
  bestValAccuracy: number
  history: EpochSummary[]
  test?: Metrics
  /** where training continues with `resume` */
  resumeDir: string
  seconds: number
}

export interface TrainOptions<N extends TrainableNet> {
  net: N
  store: ModelStore<N>
  train: SampleSet
  val?: SampleSet
  test?: SampleSet
  config: TrainConfig
  /** the experiment folder (checkpoints/<experiment>) */
  outDir: string
  /** a resume/ folder written by an earlier run */
  resume?: string
  signal?: AbortSignal
  onProgress?: (e: ProgressEvent) => void
  onEpoch?: (e: EpochSummary) => void
  log?: (msg: string) => void
  /** what computes the steps (default: tfjs, on the network itself) */
  engine?: (net: N, opts: EngineOptions) => Promise<StepEngine>
}

interface RunState {
  epoch: number
  batch: number
  bestValAccuracy: number
  bestEpoch: number
  sinceBest: number
  history: EpochSummary[]
  seconds: number
}

// ---- resumable checkpoints ----

async function writeAdamState(dir: string, s: AdamState): Promise<void> {
  const names = [...s.moments.keys()]
  const meta = names.map((n) => ({name: n, shape: s.moments.get(n)!.shape}))
  const parts: Buffer[] = []
  for (const n of names) {
    const {m, v} = s.moments.get(n)!
    parts.push(Buffer.from(m.buffer, m.byteOffset, m.byteLength), Buffer.from(v.buffer, v.byteOffset, v.byteLength))
  }
  await writeFile(path.join(dir, 'optimizer.json'), JSON.stringify({step: s.step, lr: s.lr, moments: meta}))
  await writeFile(path.join(dir, 'optimizer.bin'), Buffer.concat(parts))
}

async function readAdamState(dir: string): Promise<AdamState> {
  const meta = JSON.parse(await readFile(path.join(dir, 'optimizer.json'), 'utf8')) as {step: number; lr: number; moments: {name: string; shape: number[]}[]}
  const bin = await readFile(path.join(dir, 'optimizer.bin'))
  const moments: AdamState['moments'] = new Map()
  let off = 0
  const take = (n: number) => {
    if (off + n * 4 > bin.length) throw new Error(`${dir}/optimizer.bin is shorter than optimizer.json says`)
    const out = new Float32Array(n)
    out.set(new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + n * 4)))
    off += n * 4
    return out
  }
  for (const {name, shape} of meta.moments) {
    const n = shape.reduce((a, b) => a * b, 1)
    moments.set(name, {shape, m: take(n), v: take(n)})
  }
  return {step: meta.step, lr: meta.lr, moments}
}

async function saveResume<N extends TrainableNet>(outDir: string, net: N, store: ModelStore<N>, engine: StepEngine, state: RunState, config: TrainConfig): Promise<string> {
  const dir = path.join(outDir, 'resume')
  const tmp = path.join(outDir, 'resume.tmp')
  await rm(tmp, {recursive: true, force: true})
  await mkdir(tmp, {recursive: true})
  engine.flush()
  await store.save(net, path.join(tmp, 'model'))
  await writeAdamState(tmp, await engine.getState())
  await writeFile(path.join(tmp, 'state.json'), JSON.stringify({...state, config}, null, 2))
  await rm(dir, {recursive: true, force: true})
  await rename(tmp, dir)
  return dir
}

// ---- evaluation ----

/** Scores (sigmoid of the logit) for the given samples at the evaluation transform. */
export async function scoreSet(score: (images: readonly RgbImage[]) => Promise<number[]>, set: SampleSet, refs: readonly SampleRef[], batchSize: number): Promise<{labels: number[]; scores: number[]; sources: string[]}> {
  const labels: number[] = [], scores: number[] = [], sources: string[] = []
  for (let i = 0; i < refs.length; i += batchSize) {
    const images: RgbImage[] = []
    for (const r of refs.slice(i, i + batchSize)) {
      const {img, source} = await set.evalImage(r)
      images.push(img)
      sources.push(source)
      labels.push(r.label)
    }
    scores.push(...(await score(images)))
  }
  return {labels, scores, sources}
}

/** Forward passes in training mode (BN running statistics update) over fresh training batches, no gradients. */
async function recalibrateBn(engine: StepEngine, set: SampleSet, config: TrainConfig, epoch: number): Promise<void> {
  const n = config.bnRecalibrationBatches ?? 0
  const refs = balancedEpoch(set.realSize, set.fakeSize, Math.ceil((n * config.batchSize) / 2), config.seed ^ 0xb17, epoch)
  for (let b = 0; b < n; b++) {
    const chunk = refs.slice(b * config.batchSize, (b + 1) * config.batchSize)
    if (chunk.length === 0) break
    const rng = createRng(mixSeed(config.seed ^ 0xb17, epoch, b))
    const images: RgbImage[] = []
    for (const r of chunk) images.push(await set.trainImage(r, rng))
    await engine.trackStatistics(images)
  }
}

// ---- the loop ----

export async function train<N extends TrainableNet>(opts: TrainOptions<N>): Promise<TrainResult> {
  const {store, config, outDir} = opts
  const log = opts.log ?? (() => {})
  let net = opts.net
  await mkdir(outDir, {recursive: true})
  let state: RunState = {epoch: 0, batch: 0, bestValAccuracy: -1, bestEpoch: -1, sinceBest: 0, history: [], seconds: 0}

  if (opts.resume) {
    const saved = JSON.parse(await readFile(path.join(opts.resume, 'state.json'), 'utf8')) as RunState & {config: TrainConfig}
    net = await store.load(path.join(opts.resume, 'model'))
    state = {epoch: saved.epoch, batch: saved.batch, bestValAccuracy: saved.bestValAccuracy, bestEpoch: saved.bestEpoch, sinceBest: saved.sinceBest, history: saved.history, seconds: saved.seconds}
    log(`resuming ${opts.resume} at epoch ${state.epoch + 1}, batch ${state.batch}`)
  }
  await writeFile(path.join(outDir, 'config.json'), JSON.stringify({...config, resumedFrom: opts.resume ?? null}, null, 2))
  const tb = new EventWriter(path.join(outDir, 'events'))
  const t0 = Date.now() - state.seconds * 1000
  const engineOpts: EngineOptions = {lr: config.lr, beta1: config.beta1, beta2: config.beta2, microBatch: config.microBatch}
  const makeEngine = (n: N) => (opts.engine ? opts.engine(n, engineOpts) : Promise.resolve(new TfjsStepEngine(n, engineOpts)))
  const engine = await makeEngine(net)
  log(`training steps on ${engine.name}`)
  const perClass = config.perClass ?? Math.max(opts.train.realSize, opts.train.fakeSize)
  const batches = Math.ceil((2 * perClass) / config.batchSize)
  let status: TrainResult['status'] = 'finished'
  let resumeDir = path.join(outDir, 'resume')

  const saveModel = async (name: string) => {
    engine.flush()
    await store.save(net, path.join(outDir, name))
    if (store.exportOnnx) await store.exportOnnx(net, path.join(outDir, `${name}.onnx`))
  }

  try {
    if (opts.resume) engine.setState(await readAdamState(opts.resume))
    epochs: for (; state.epoch < config.epochs; state.epoch++, state.batch = 0) {
      const epoch = state.epoch
      engine.lr = scheduledLr(config.lr, epoch, config.delrFreq, 0.9, config.minLr)
      const refs = balancedEpoch(opts.train.realSize, opts.train.fakeSize, perClass, config.seed, epoch)
      const te = Date.now()
      let lossSum = 0, lossN = 0, seen = 0
      for (let b = state.batch; b < batches; b++) {
        if (opts.signal?.aborted) {
          state.batch = b
          state.seconds = (Date.now() - t0) / 1000
          resumeDir = await saveResume(outDir, net, store, engine, state, config)
          status = 'interrupted'
          log(`interrupted: saved ${resumeDir} (epoch ${epoch + 1}, batch ${b})`)
          break epochs
        }
        const chunk = refs.slice(b * config.batchSize, (b + 1) * config.batchSize)
        const rng = createRng(mixSeed(config.seed, epoch, b + 1))
        const images: RgbImage[] = []
        for (const r of chunk) images.push(await opts.train.trainImage(r, rng))
        const loss = await engine.step(images, chunk.map((r) => r.label))
        if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}`)
        lossSum += loss * chunk.length
        lossN += chunk.length
        seen += chunk.length
        const ips = seen / ((Date.now() - te) / 1000)
        const left = (batches - b - 1) * config.batchSize
        opts.onProgress?.({epoch: epoch + 1, epochs: config.epochs, batch: b + 1, batches, loss: lossSum / lossN, imagesPerSec: ips, etaS: left / ips})
      }
      const step = (epoch + 1) * batches
      const trainLoss = lossN > 0 ? lossSum / lossN : Number.NaN
      const imagesPerSec = seen / ((Date.now() - te) / 1000)
      tb.scalars({'train/loss': trainLoss, lr: engine.lr, 'train/images_per_sec': imagesPerSec}, step)

      if (config.bnRecalibrationBatches) await recalibrateBn(engine, opts.train, config, epoch)
      const summary: EpochSummary = {epoch: epoch + 1, lr: engine.lr, trainLoss, imagesPerSec, seconds: (Date.now() - te) / 1000, improved: false}
      if (opts.val) {
        const r = await scoreSet((images) => engine.score(images), opts.val, opts.val.allRefs(config.valPerClass), config.evalBatchSize)
        const m = computeMetrics(r.labels, r.scores)
        summary.val = {accuracy: m.accuracy, ap: m.ap}
        tb.scalars({'val/accuracy': m.accuracy, 'val/ap': m.ap}, step)
        summary.improved = m.accuracy > state.bestValAccuracy
      } else {
        // without a validation split every epoch counts as an improvement (best = latest)
        summary.improved = true
      }
      if (summary.improved) {
        state.bestValAccuracy = summary.val?.accuracy ?? Number.NaN
        state.bestEpoch = epoch + 1
        state.sinceBest = 0
        await saveModel('model_epoch_best')
      } else {
        state.sinceBest++
      }
      state.history.push(summary)
      opts.onEpoch?.(summary)
      log(`epoch ${epoch + 1}: loss ${trainLoss.toFixed(4)}${summary.val ? `, val acc ${summary.val.accuracy.toFixed(4)}, AP ${summary.val.ap.toFixed(4)}` : ''}${summary.improved ? ' (best)' : ''}`)
      state.seconds = (Date.now() - t0) / 1000
      resumeDir = await saveResume(outDir, net, store, engine, {...state, epoch: epoch + 1, batch: 0}, config)
      if (opts.val && state.sinceBest >= config.patience) {
        status = 'early-stopped'
        log(`early stop: no better validation accuracy for ${config.patience} epochs`)
        state.epoch++
        break
      }
    }
  } catch (err) {
    await engine.dispose()
    throw err
  } finally {
    tb.close()
  }

  const result: TrainResult = {
    status,
    outDir,
    epochsRun: state.history.length,
    bestEpoch: state.bestEpoch,
    bestValAccuracy: state.bestValAccuracy,
    history: state.history,
    resumeDir,
    seconds: (Date.now() - t0) / 1000,
  }
  try {
    if (status !== 'interrupted') await finish(result)
    await writeFile(path.join(outDir, 'metrics.json'), JSON.stringify(result, null, 2))
  } finally {
    await engine.dispose()
  }
  return result

  async function finish(result: TrainResult): Promise<void> {
    await saveModel('model_epoch_last')
    if (opts.test) {
      const bestDir = path.join(outDir, 'model_epoch_best')
      const best = existsSync(bestDir) ? await store.load(bestDir) : net
      const judge = await makeEngine(best)
      const r = await scoreSet((images) => judge.score(images), opts.test, opts.test.allRefs(), config.evalBatchSize).finally(() => judge.dispose())
      result.test = computeMetrics(r.labels, r.scores)
      log(`test (model_epoch_best): accuracy ${result.test.accuracy.toFixed(4)}, AP ${result.test.ap.toFixed(4)}`)
    }
  }
}
