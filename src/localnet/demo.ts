import {existsSync, promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {silentLogger, type Logger} from '../config/logger.js'
import {ASSETS_DIR, DEFAULT_MODEL_PATH, expandHome} from '../config/paths.js'
import {settings} from '../config/settings.js'
import {openCorpusSplit} from '../data/corpus.js'
import {FolderPool} from '../data/folder-pool.js'
import {NprNet, buildNprOnnx, loadDetector} from '../detector/index.js'
import {resolveBackend} from '../runtime/tfjs-backend.js'
import {EsrganSource} from '../generation/esrgan.js'
import type {RgbImage} from '../image/index.js'
import type {ServingModel} from '../miner/model-holder.js'
import type {ImagePool} from '../data/pool.js'
import type {RewardMode} from '../validator/rewards.js'
import type {Transport} from '../validator/transport.js'
import type {StepReport} from '../validator/validator.js'
import {DemoModelMissingError} from './errors.js'
import {runLocalRound, type LocalRoundOptions, type LocalRoundResult} from './round.js'

export interface DemoOptions {
  /** offline corpus for real photos (its test split; default $BITMIND_CORPUS); else the held-out photos in assets/demo-photos */
  corpus?: string
  modelPath?: string
  steps?: number
  seed?: number
  /** the validator's reward rule (default binary) */
  reward?: RewardMode
  /** validator → miner transport (default synapse) */
  transport?: Transport
  logger?: Logger
  onStep?: (r: StepReport) => void
  /** runs with the subnet still up after the round (the demo command's serve option) */
  onRoundDone?: LocalRoundOptions['onRoundDone']
}

export interface DemoResult extends LocalRoundResult {
  seconds: number
  realSource: string
  models: Record<string, string>
}

/** 16 crops of 4 photos from the offline corpus' test split (the shipped model never saw them); licences in its README */
export const DEMO_PHOTOS = path.join(ASSETS_DIR, 'demo-photos')

/**
 * `npm run demo`: the README's round on one machine, offline. Three miners — the shipped detector, an untrained
 * NPR (random weights: the deliberately weak one) and one that always answers 0.5 — against one validator whose
 * challenges are real photos and ESRGAN re-upscales of them.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now()
  const log = opts.logger ?? silentLogger
  const modelPath = path.resolve(expandHome(opts.modelPath ?? DEFAULT_MODEL_PATH))
  if (!existsSync(modelPath)) throw new DemoModelMissingError(modelPath)
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-demo-'))
  const esrgan = new EsrganSource({pkg: 'slim', scale: 2})
  try {
    let real: ImagePool
    let realSource: string
    const corpus = opts.corpus ?? settings.corpus
    if (corpus) {
      const split = await openCorpusSplit(expandHome(corpus), 'test')
      if (split.real.size === 0) throw new Error(`${corpus} has no test/real images`)
      real = split.real
      realSource = `${corpus} (test/real, ${split.real.size} photos)`
    } else {
      real = await FolderPool.open(DEMO_PHOTOS, {label: 0, name: 'demo-photos', recursive: false})
      realSource = `${DEMO_PHOTOS} (${real.size} photos)`
    }
    log.info('real photos', {from: realSource})

    // the weak miner: NPR with its random initial weights, exported to ONNX like the shipped one
    await resolveBackend(undefined)
    const net = new NprNet({seed: 1})
    const weakPath = path.join(workDir, 'npr-untrained.onnx')
    await fs.writeFile(weakPath, buildNprOnnx(net.stateDict(), {inputSize: 224}))
    net.dispose()
    const halfPath = path.join(workDir, 'always-half.txt')
    await fs.writeFile(halfPath, 'this miner answers 0.5 whatever it is shown\n')
    const onnx = (p: string) => loadDetector(p, {threads: 1})
    const half = async (): Promise<ServingModel<RgbImage>> => ({name: 'always-0.5', predict: async (xs) => xs.map(() => 0.5), dispose: async () => {}})

    const result = await runLocalRound({
      miners: [
        {name: 'shipped NPR', modelPath, load: onnx},
        {name: 'untrained NPR', modelPath: weakPath, load: onnx},
        {name: 'always 0.5', modelPath: halfPath, load: half},
      ],
      data: {realPools: [real], fakeSources: [esrgan], size: 256},
      steps: opts.steps ?? 16,
      seed: opts.seed ?? 1,
      epochLength: 5,
      tempo: 10,
      timeoutS: 20,
      reward: opts.reward,
      transport: opts.transport,
      workDir,
      logger: log,
      onStep: opts.onStep,
      onRoundDone: opts.onRoundDone,
    })
    return {
      ...result,
      seconds: (performance.now() - t0) / 1000,
      realSource,
      models: {'shipped NPR': modelPath, 'untrained NPR': 'random init (seed 1)', 'always 0.5': 'constant'},
    }
  } finally {
    await esrgan.dispose().catch(() => {})
    await fs.rm(workDir, {recursive: true, force: true})
  }
}
