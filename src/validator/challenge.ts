import type {Rng} from '../config/random.js'
import type {ImagePool} from '../data/pool.js'
import type {GeneratedImage, GenerateOptions, SyntheticSource} from '../generation/source.js'
import {augmentChoice, decodeImage, encodeJpeg, resize, type LevelChoice, type RgbImage} from '../image/index.js'
import type {Label} from './reward.js'
import type {Challenge, ChallengeSource} from './validator.js'

/** What a challenge needs of an image pool (a test may pass a small fake without a label). */
export type ChallengePool = Pick<ImagePool, 'size' | 'name' | 'get'>

/**
 * What a challenge needs of a synthetic source. `needsBaseImage: false` marks a text-to-image source: no real base
 * photo is fetched for it (default: one is, when a real pool exists). The challenge's `source` is `name`, or
 * `name:model` when the result's meta names a model (one source can hold several, e.g. the diffusion pool).
 */
export type ChallengeSyntheticSource = Pick<SyntheticSource, 'name'> & {
  readonly needsBaseImage?: boolean
  generate(opts: GenerateOptions): Promise<{image: RgbImage; meta: Partial<GeneratedImage['meta']>}>
}

export interface ChallengeBuilderOptions {
  realPools: readonly ChallengePool[]
  /** synthetic image generators (text-to-image pipelines, ESRGAN) */
  fakeSources: readonly ChallengeSyntheticSource[]
  /** pools of already generated images (an offline corpus' fake half, a generation cache) */
  fakePools?: readonly ChallengePool[]
  rng: Rng
  /** output size after RandomResizedCrop (BitMind: 256) */
  size?: number
  /** JPEG quality (PIL's default 75, as the Python validator sends) */
  quality?: number
  /** probability of a fake challenge (BitMind: 0.5) */
  fakeProbability?: number
  /** pick a real photo as the base image of a generator that can take one (ESRGAN round trip); default true */
  realBaseForFakes?: boolean
  /** shrink base photos to this shorter side first (generators are slow on photo-sized inputs); default 1.5·size */
  maxBaseSide?: number
  /**
   * augmentation level (src/image/levels.ts): 'random' draws 0–3 per challenge as BitMind v2.2.11; default 1, the
   * testnet-168 recipe (rotation, RandomResizedCrop, flips)
   */
  level?: LevelChoice
}

/**
 * Challenges as the BitMind validator builds them (docs/ARCHITECTURE.md § Challenges and scoring): a coin flip between a random row of a real pool
 * (label 0) and a generated image (label 1), then RandomRotation / RandomResizedCrop / flips, JPEG q75, base64.
 */
export class ChallengeBuilder implements ChallengeSource {
  private readonly size: number
  private readonly quality: number
  private readonly pFake: number

  constructor(private readonly opts: ChallengeBuilderOptions) {
    if (!this.hasReal() && !this.hasFake()) {
      throw new Error('no challenge images: give a non-empty real or fake pool, or a synthetic source')
    }
    this.size = opts.size ?? 256
    this.quality = opts.quality ?? 75
    this.pFake = opts.fakeProbability ?? 0.5
  }

  private hasReal(): boolean {
    return this.opts.realPools.some((p) => p.size > 0)
  }

  private fakePools(): ChallengePool[] {
    return (this.opts.fakePools ?? []).filter((p) => p.size > 0)
  }

  private hasFake(): boolean {
    return this.opts.fakeSources.length > 0 || this.fakePools().length > 0
  }

  private async randomRow(pools: readonly ChallengePool[]): Promise<{image: RgbImage; source: string}> {
    const pool = pools[Math.floor(this.opts.rng() * pools.length)]!
    const index = Math.floor(this.opts.rng() * pool.size)
    const row = await pool.get(index)
    const image = await decodeImage(row.bytes, {name: `${pool.name}[${index}]`})
    return {image, source: pool.name}
  }

  private randomReal(): Promise<{image: RgbImage; source: string}> {
    return this.randomRow(this.opts.realPools.filter((p) => p.size > 0))
  }

  private async randomFake(): Promise<{image: RgbImage; source: string}> {
    const pools = this.fakePools()
    const n = this.opts.fakeSources.length + pools.length
    const pick = Math.floor(this.opts.rng() * n)
    if (pick >= this.opts.fakeSources.length) return this.randomRow(pools)
    const src = this.opts.fakeSources[pick]!
    const seed = Math.floor(this.opts.rng() * 2 ** 31)
    let base = this.opts.realBaseForFakes !== false && src.needsBaseImage !== false && this.hasReal() ? (await this.randomReal()).image : undefined
    const maxSide = this.opts.maxBaseSide ?? Math.round(1.5 * this.size)
    if (base && Math.min(base.width, base.height) > maxSide) {
      const k = maxSide / Math.min(base.width, base.height)
      base = await resize(base, Math.max(1, Math.round(base.width * k)), Math.max(1, Math.round(base.height * k)))
    }
    const {image, meta} = await src.generate({seed, baseImage: base, width: base ? undefined : this.size, height: base ? undefined : this.size})
    const model = meta.model
    return {image, source: typeof model === 'string' && model !== '' && model !== src.name ? `${src.name}:${model}` : src.name}
  }

  async next(): Promise<Challenge> {
    const canFake = this.hasFake()
    const label: Label = !this.hasReal() ? 1 : !canFake ? 0 : this.opts.rng() < this.pFake ? 1 : 0
    const {image, source} = label === 1 ? await this.randomFake() : await this.randomReal()
    const {image: augmented, augmentation} = await augmentChoice(image, this.opts.level ?? 1, this.opts.rng, this.size)
    const jpeg = await encodeJpeg(augmented, this.quality)
    return {label, source, image: jpeg.toString('base64'), augmentation}
  }
}
