import {existsSync} from 'node:fs'
import path from 'node:path'

import {defaultCacheDir, expandHome} from '../config/paths.js'
import {createRng, randomSeed} from '../config/random.js'
import {openCorpusSplit} from '../data/corpus.js'
import {openDatasetPool} from '../data/dataset-pool.js'
import {FolderPool} from '../data/folder-pool.js'
import {labelNumber, loadRegistry, selectDatasets} from '../data/registry.js'
import type {GenerationPool} from '../generation/pool.js'
import type {GeneratedImage, SyntheticSource} from '../generation/source.js'
import {decodeImage, type RgbImage} from '../image/index.js'
import type {ImagePool} from '../data/pool.js'
import type {ChallengePool, ChallengeSyntheticSource} from './challenge.js'
import {ChallengeDataError} from './errors.js'

/** Text-to-image models as a fake source (the generation settings). */
export interface GenerationOptions {
  /** diffusers ONNX export folders (one pipeline each, picked with equal weight per image) */
  models: readonly string[]
  /** denoising steps (turbo models: 1–4) */
  steps?: number
  /** `WIDTHxHEIGHT`, multiples of 8 (default 512x512) */
  size?: string
  guidanceScale?: number
  /** ONNX Runtime execution provider (default cpu) */
  provider?: string
  /** MagicPrompt-style text-generation or captioner folder (default: template prompts) */
  promptModel?: string
  /** keep generated images on disk here (survives restarts); without it they are made ahead in memory */
  cacheDir?: string
  /** images made ahead of time (on disk with cacheDir, else in memory); default 4 */
  cacheSize?: number
  /** a background generation failed (disk-cache mode; in memory the failing step reports it) */
  onError?: (err: Error) => void
}

export interface ChallengeDataOptions {
  /** folders of real images */
  real?: readonly string[]
  /** folders of generated images */
  fake?: readonly string[]
  /** offline corpus folder: its `test` split's real and fake halves */
  corpus?: string
  /** downloaded registry datasets (ids or short names) */
  datasets?: readonly string[]
  cacheDir?: string
  /** ESRGAN round trips of real photos as a synthetic source */
  esrgan?: boolean
  backend?: string
  /** ONNX diffusion pipelines as a synthetic source */
  generation?: GenerationOptions
  /** seeds the generation pool (prompts, model picks, noise): the same seed gives the same images in the same order */
  seed?: number
}

export interface ChallengeData {
  realPools: ImagePool[]
  fakePools: ImagePool[]
  fakeSources: ChallengeSyntheticSource[]
  /** the text-to-image source, when generation models were given */
  generation?: GenerationPoolSource
  /** start background work (generating fakes ahead); without it images are made when asked for */
  start(): void
  dispose(): Promise<void>
}

/** Open every image source the validator was pointed at; an unusable one is an error naming it. */
export async function openChallengeData(opts: ChallengeDataOptions): Promise<ChallengeData> {
  const realPools: ImagePool[] = []
  const fakePools: ImagePool[] = []
  for (const dir of opts.real ?? []) realPools.push(await nonEmpty(await FolderPool.open(expandHome(dir), {label: 0, name: path.basename(dir)})))
  for (const dir of opts.fake ?? []) fakePools.push(await nonEmpty(await FolderPool.open(expandHome(dir), {label: 1, name: path.basename(dir)})))
  if (opts.corpus) {
    const dir = expandHome(opts.corpus)
    if (!existsSync(path.join(dir, 'test'))) throw new ChallengeDataError('data.corpus', 'not-corpus', dir)
    const split = await openCorpusSplit(dir, 'test')
    if (split.real.size > 0) realPools.push(split.real)
    if (split.fake.size > 0) fakePools.push(split.fake)
  }
  if (opts.datasets && opts.datasets.length > 0) {
    const specs = selectDatasets(await loadRegistry(), opts.datasets)
    const cacheDir = expandHome(opts.cacheDir ?? defaultCacheDir())
    for (const spec of specs) {
      const pool = await openDatasetPool(spec, cacheDir)
      ;(labelNumber(spec) === 0 ? realPools : fakePools).push(pool)
    }
  }
  const wantsGeneration = (opts.generation?.models.length ?? 0) > 0
  if (realPools.length === 0 && fakePools.length === 0 && !opts.esrgan && !wantsGeneration) {
    throw new ChallengeDataError('sources', 'no-sources')
  }
  if (opts.esrgan && realPools.length === 0) {
    throw new ChallengeDataError('data.esrgan', 'needs-real')
  }
  const fakeSources: ChallengeSyntheticSource[] = []
  const closers: (() => Promise<unknown>)[] = []
  const dispose = async () => {
    for (const close of closers.reverse()) await close().catch(() => {})
  }
  try {
    // loaded only when asked for: it pulls in tfjs, which costs seconds at start-up
    if (opts.esrgan) {
      const esrgan = new (await import('../generation/esrgan.js')).EsrganSource({pkg: 'slim', scale: 2, backend: opts.backend})
      closers.push(() => esrgan.dispose())
      fakeSources.push(esrgan)
    }
    let generation: GenerationPoolSource | undefined
    if (wantsGeneration) {
      generation = await openGenerationSource(opts.generation!, realPools, opts.seed)
      closers.push(() => generation!.dispose())
      fakeSources.push(generation)
    }
    return {realPools, fakePools, fakeSources, generation, start: () => generation?.start(), dispose}
  } catch (err) {
    await dispose()
    throw err
  }
}

async function nonEmpty<P extends ChallengePool>(pool: P): Promise<P> {
  if (pool.size === 0) throw new Error(`no images in ${pool.name}`)
  return pool
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!
}

/** A model's name in challenge sources: the folder's name (its parent's for optimum's `…/<model>/onnx` layout). */
export function modelName(dir: string): string {
  const abs = path.resolve(dir)
  const base = path.basename(abs)
  return /^onnx$/i.test(base) ? path.basename(path.dirname(abs)) : base
}

/**
 * Load the text-to-image pipelines and the prompt source into a GenerationPool. Errors are ChallengeDataErrors
 * naming the setting and the folder; what was loaded before a failure is released.
 */
async function openGenerationSource(g: GenerationOptions, realPools: readonly ChallengePool[], seed?: number): Promise<GenerationPoolSource> {
  // one after the other: jest's ESM loader fails on concurrent imports of shared modules
  const {OnnxDiffusionPipeline} = await import('../generation/onnx-diffusion.js')
  const {GenerationPool} = await import('../generation/pool.js')
  const {openPromptSource} = await import('../generation/prompts.js')
  const {parseSize} = await import('../generation/generate-run.js')
  // an ImageSizeError names the setting; the CLI words it as the flag
  const size = parseSize(g.size ?? '512x512', 'generation.size')
  const pipelines: SyntheticSource[] = []
  const release = () => Promise.all(pipelines.map((p) => p.dispose?.().catch(() => {})))
  const names = new Set<string>()
  try {
    for (const model of g.models) {
      const dir = path.resolve(expandHome(model))
      if (!existsSync(dir)) throw new ChallengeDataError('generation.model', 'missing', dir)
      let name = modelName(dir)
      for (let k = 2; names.has(name); k++) name = `${modelName(dir)}-${k}`
      names.add(name)
      try {
        pipelines.push(await OnnxDiffusionPipeline.load(dir, {provider: g.provider, name}))
      } catch (err) {
        throw new ChallengeDataError('generation.model', 'unloadable', dir, firstLine(err))
      }
    }
  } catch (err) {
    await release()
    throw err
  }
  let prompts
  try {
    prompts = await openPromptSource(g.promptModel && expandHome(g.promptModel))
  } catch (err) {
    await release()
    throw new ChallengeDataError('generation.prompt_model', 'unloadable', g.promptModel, firstLine(err))
  }
  const poolSeed = seed === undefined ? randomSeed() : (seed ^ 0x5bd1e995) >>> 0
  let baseImages: (() => Promise<RgbImage>) | undefined
  if (prompts.name.startsWith('caption:')) {
    const reals = realPools.filter((p) => p.size > 0)
    if (reals.length === 0) {
      await release()
      await prompts.dispose?.()
      throw new ChallengeDataError('generation.prompt_model', 'needs-real', g.promptModel, 'a captioner describes real photos, and there is no real image source')
    }
    const rng = createRng(poolSeed ^ 0x27d4eb2f)
    baseImages = async () => {
      const pool = reals[Math.floor(rng() * reals.length)]!
      const index = Math.floor(rng() * pool.size)
      return decodeImage((await pool.get(index)).bytes, {name: `${pool.name}[${index}]`})
    }
  }
  const cacheSize = g.cacheSize ?? 4
  const pool = new GenerationPool({
    sources: pipelines.map((source) => ({source, weight: 1})),
    prompts,
    cacheDir: g.cacheDir && path.resolve(expandHome(g.cacheDir)),
    cacheSize,
    generate: {width: size.width, height: size.height, steps: g.steps ?? 4, guidanceScale: g.guidanceScale},
    seed: poolSeed,
    baseImages,
    onError: g.onError,
  })
  return new GenerationPoolSource(pool, {ahead: cacheSize, diskCache: g.cacheDir !== undefined, models: [...names]})
}

/**
 * A GenerationPool as a ChallengeBuilder fake source. Images are made ahead in the background — `ahead` of them in
 * memory, or the pool's on-disk cache with `diskCache` — so a step waits only for the oldest image still being made.
 * In memory, images come out in the order the pool's seeded RNG made them: the same seed gives the same images.
 * The seed and size the builder asks for are not used (the pool has its own seed and the generation size setting).
 */
export class GenerationPoolSource implements SyntheticSource {
  readonly name = 'diffusion'
  /** text-to-image: the builder need not fetch a real base photo for it */
  readonly needsBaseImage = false
  private readonly queue: Promise<GeneratedImage>[] = []
  private started = false
  private closed = false

  /** the loaded models' names (the `model` part of challenge sources) */
  readonly models: readonly string[]

  constructor(readonly pool: GenerationPool, private readonly opts: {ahead: number; diskCache: boolean; models?: readonly string[]}) {
    this.models = opts.models ?? []
  }

  /** Begin generating in the background. */
  start(): void {
    if (this.started || this.closed) return
    this.started = true
    if (this.opts.diskCache) this.pool.start()
    else this.fill()
  }

  private fill(): void {
    while (this.queue.length < this.opts.ahead) {
      const p = this.pool.generateNow()
      p.catch(() => {}) // the step that takes it reports the error
      this.queue.push(p)
    }
  }

  async generate(): Promise<GeneratedImage> {
    if (this.closed) throw new Error('the generation pool is closed')
    if (this.opts.diskCache) return this.pool.next()
    const next = this.queue.shift() ?? this.pool.generateNow()
    if (this.started) this.fill()
    return next
  }

  /** Images ready or in the making (memory) / waiting on disk. */
  async pending(): Promise<number> {
    return this.opts.diskCache ? this.pool.cachedCount() : this.queue.length
  }

  async dispose(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.allSettled(this.queue.splice(0))
    await this.pool.dispose()
  }
}
