import {promises as fs} from 'node:fs'
import path from 'node:path'

import {z} from 'zod'

import {createRng, randomSeed, type Rng} from '../config/random.js'
import {decodeImage, encodePng, type RgbImage} from '../image/index.js'
import {TemplatePromptSource} from './prompts.js'
import type {GenerateOptions, GeneratedImage, PromptSource, SyntheticSource} from './source.js'

export interface WeightedSource {
  source: SyntheticSource
  weight: number
}

export interface GenerationPoolOptions {
  sources: WeightedSource[]
  prompts?: PromptSource
  /** Folder for pre-generated images; without it nothing is cached. */
  cacheDir?: string
  /** Most images kept on disk (default 16). */
  cacheSize?: number
  /** Per-image options (size, steps, guidance) passed to every source. */
  generate?: Omit<GenerateOptions, 'prompt' | 'seed' | 'onStep'>
  seed?: number
  /** A real image per generation: the base for image-to-image sources (ESRGAN) and the picture a captioner describes. */
  baseImages?: () => Promise<RgbImage>
  onError?: (err: Error) => void
}

const metaSchema = z.object({source: z.string(), width: z.number(), height: z.number()}).passthrough()

/** Index of a weighted pick. */
export function pickWeighted(weights: number[], rng: Rng): number {
  const total = weights.reduce((s, w) => s + Math.max(0, w), 0)
  if (!(total > 0)) throw new Error('generation pool: every source weight is 0')
  let r = rng() * total
  for (let i = 0; i < weights.length; i++) {
    r -= Math.max(0, weights[i]!)
    if (r < 0) return i
  }
  return weights.findLastIndex((w) => w > 0)
}

/**
 * Synthetic images for challenges: a source picked at random by weight per image, models kept loaded, and a bounded
 * on-disk cache that a background loop keeps full, so a validator step takes a ready image instead of waiting on a model.
 */
export class GenerationPool {
  private readonly rng: Rng
  private readonly prompts: PromptSource
  private readonly cacheSize: number
  private running = false
  private loop?: Promise<void>
  private wake?: () => void
  private counter = 0
  /** One generation at a time: models share the CPU/GPU, and sources are not re-entrant. */
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: GenerationPoolOptions) {
    if (opts.sources.length === 0) throw new Error('generation pool needs at least one source')
    pickWeighted(opts.sources.map((s) => s.weight), () => 0) // validates the weights
    this.rng = createRng(opts.seed ?? randomSeed())
    this.prompts = opts.prompts ?? new TemplatePromptSource()
    this.cacheSize = opts.cacheSize ?? 16
  }

  /** Generate one image now (serialised with the background loop). */
  generateNow(): Promise<GeneratedImage> {
    const run = this.chain.then(async () => {
      const {source} = this.opts.sources[pickWeighted(this.opts.sources.map((s) => s.weight), this.rng)]!
      const seed = Math.floor(this.rng() * 2 ** 32)
      const baseImage = this.opts.baseImages ? await this.opts.baseImages() : undefined
      const prompt = await this.prompts.next(this.rng, baseImage)
      return source.generate({...this.opts.generate, prompt, seed, ...(baseImage ? {baseImage} : {})})
    })
    this.chain = run.catch(() => undefined)
    return run
  }

  private async cached(): Promise<string[]> {
    if (!this.opts.cacheDir) return []
    const names = await fs.readdir(this.opts.cacheDir).catch(() => [] as string[])
    return names.filter((n) => n.endsWith('.json')).sort().map((n) => path.join(this.opts.cacheDir!, n.slice(0, -5)))
  }

  /** Images waiting on disk. */
  async cachedCount(): Promise<number> {
    return (await this.cached()).length
  }

  /** A cached image when there is one (oldest first), else a fresh one. */
  async next(): Promise<GeneratedImage> {
    for (const base of await this.cached()) {
      try {
        const meta = metaSchema.parse(JSON.parse(await fs.readFile(`${base}.json`, 'utf8')))
        const image = await decodeImage(`${base}.png`)
        await Promise.all([fs.rm(`${base}.json`), fs.rm(`${base}.png`)])
        this.wake?.()
        return {image, meta: {...meta, cached: true}}
      } catch {
        await Promise.all([fs.rm(`${base}.json`, {force: true}), fs.rm(`${base}.png`, {force: true})]) // torn entry
      }
    }
    return this.generateNow()
  }

  private async store(img: GeneratedImage): Promise<void> {
    const dir = this.opts.cacheDir!
    const base = path.join(dir, `${Date.now().toString().padStart(15, '0')}-${String(this.counter++).padStart(6, '0')}`)
    await fs.writeFile(`${base}.png`, await encodePng(img.image))
    await fs.writeFile(`${base}.json`, JSON.stringify(img.meta)) // written last: marks the entry complete
  }

  /** Keep the cache full in the background until `stop()`. */
  start(): void {
    if (!this.opts.cacheDir || this.running) return
    this.running = true
    this.loop = (async () => {
      await fs.mkdir(this.opts.cacheDir!, {recursive: true})
      while (this.running) {
        if ((await this.cachedCount()) >= this.cacheSize) {
          await new Promise<void>((resolve) => {
            this.wake = resolve
            setTimeout(resolve, 1000).unref()
          })
          continue
        }
        try {
          const img = await this.generateNow()
          if (this.running) await this.store(img)
        } catch (err) {
          this.opts.onError?.(err as Error)
          await new Promise((r) => setTimeout(r, 1000).unref())
        }
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
  }

  /** Stop and release every source. */
  async dispose(): Promise<void> {
    await this.stop()
    await Promise.all(this.opts.sources.map((s) => s.source.dispose?.()))
    await this.prompts.dispose?.()
  }
}
