/**
 * Images for training and evaluation: pools → decoded, transformed RGB images → NHWC batches (x/255).
 *
 * Training draws a balanced epoch (as many real as fake samples, in a shuffled order) and transforms each
 * image with an rng derived from (seed, epoch, batch), so an interrupted epoch resumes at any batch with the
 * same samples and augmentations. Decoded images are kept in memory (up to a byte budget) because decoding
 * costs more than a small-crop training step.
 */
import * as tf from '@tensorflow/tfjs'

import {createRng, permutation, type Rng} from '../config/random.js'
import type {ImagePool} from '../data/pool.js'
import type {LevelChoice} from '../image/levels.js'
import type {RgbImage} from '../image/types.js'

/** The slice of the data layer's `ImagePool` the trainer needs (views of several pools have no single label). */
export type TrainingPool = Pick<ImagePool, 'size' | 'name' | 'get'>

export interface LabeledPools {
  real: TrainingPool
  fake: TrainingPool
}

export interface ImageOps {
  decode(bytes: Buffer, name: string): Promise<RgbImage>
  /** the evaluation transform: centre-crop to the shorter side, resize to `size` */
  base(img: RgbImage, size: number): Promise<RgbImage>
  /** the training augmentation at `size` (used when no raw crop size is set) */
  augment?(img: RgbImage, rng: Rng, size: number): Promise<RgbImage> | RgbImage
  /** the validator's challenge transform at an augmentation level (default 1: rotation, RandomResizedCrop to `size`, flips), JPEG at `quality`, decoded */
  challenge?(img: RgbImage, rng: Rng, size: number, quality: number, level?: LevelChoice): Promise<RgbImage>
}

export interface SampleRef {
  label: 0 | 1
  index: number
}

/** Mix integers into a 32-bit seed (splitmix-style avalanche), for per-epoch and per-batch rngs. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/**
 * One epoch's sample order: `perClass` real and `perClass` fake samples, each class walked through a
 * fresh permutation (cycled when the pool is smaller than `perClass`), the two interleaved then shuffled.
 */
export function balancedEpoch(realSize: number, fakeSize: number, perClass: number, seed: number, epoch: number): SampleRef[] {
  if (realSize === 0 || fakeSize === 0) throw new Error('training needs at least one real and one fake image')
  const rng = createRng(mixSeed(seed, epoch, 0x51))
  const take = (label: 0 | 1, size: number): SampleRef[] => {
    const out: SampleRef[] = []
    while (out.length < perClass) {
      const p = permutation(rng, size)
      for (let i = 0; i < p.length && out.length < perClass; i++) out.push({label, index: p[i]!})
    }
    return out
  }
  const all = [...take(0, realSize), ...take(1, fakeSize)]
  const order = permutation(rng, all.length)
  return Array.from(order, (i) => all[i]!)
}

/** A `size`×`size` crop at (x, y) without resampling, optionally mirrored. */
export function cropFlip(img: RgbImage, x: number, y: number, size: number, hflip: boolean, vflip: boolean): RgbImage {
  if (x < 0 || y < 0 || x + size > img.width || y + size > img.height) {
    throw new Error(`crop ${size}² at (${x}, ${y}) does not fit a ${img.width}×${img.height} image`)
  }
  const out = new Uint8Array(size * size * 3)
  for (let r = 0; r < size; r++) {
    const sr = vflip ? y + size - 1 - r : y + r
    for (let c = 0; c < size; c++) {
      const sc = hflip ? x + size - 1 - c : x + c
      const s = (sr * img.width + sc) * 3, d = (r * size + c) * 3
      out[d] = img.data[s]!
      out[d + 1] = img.data[s + 1]!
      out[d + 2] = img.data[s + 2]!
    }
  }
  return {data: out, width: size, height: size}
}

/** A random raw crop (offset a multiple of `align`) with random horizontal/vertical flips. */
export function randomCropFlip(img: RgbImage, size: number, rng: Rng, align = 1): RgbImage {
  const pick = (span: number) => Math.floor(rng() * (Math.floor(span / align) + 1)) * align
  const x = pick(img.width - size), y = pick(img.height - size)
  return cropFlip(img, x, y, size, rng() < 0.5, rng() < 0.5)
}

/** Stack same-sized images into an NHWC float tensor with values x/255 (NPR sees no mean/std). */
export function toBatchTensor(images: readonly RgbImage[]): tf.Tensor4D {
  const {width, height} = images[0]!
  const per = width * height * 3
  const buf = new Float32Array(images.length * per)
  images.forEach((img, n) => {
    if (img.width !== width || img.height !== height) throw new Error('images in one batch must share a size')
    for (let i = 0; i < per; i++) buf[n * per + i] = img.data[i]! / 255
  })
  return tf.tensor4d(buf, [images.length, height, width, 3])
}

export interface SampleSetOptions {
  /** size of the evaluation transform (and of the train transform when `trainCrop` is not set) */
  inputSize: number
  /** train on raw random crops of this size taken from the base-transformed image (no resampling) */
  trainCrop?: number
  cropAlign?: number
  /** stop caching decoded images past this many bytes */
  cacheBytes?: number
  /**
   * Train and evaluate on images as a validator sends them (the challenge augmentation + JPEG, docs/ARCHITECTURE.md § Challenges and scoring), not on the base
   * transform: pool images are used as they are, evaluation images are one fixed challenge per sample.
   */
  challenge?: {size: number; quality: number; level?: LevelChoice}
}

/** One split's pools with a cache of base-transformed images. */
export class SampleSet {
  private readonly cache = new Map<string, {img: RgbImage; source: string}>()
  private readonly evalCache = new Map<string, RgbImage>()
  private cachedBytes = 0

  constructor(readonly pools: LabeledPools, private readonly ops: ImageOps, private readonly opts: SampleSetOptions) {}

  get realSize(): number {
    return this.pools.real.size
  }

  get fakeSize(): number {
    return this.pools.fake.size
  }

  /** The image after the evaluation transform, and the name of its source. */
  async baseImage(ref: SampleRef): Promise<{img: RgbImage; source: string}> {
    const key = `${ref.label}:${ref.index}`
    const hit = this.cache.get(key)
    if (hit) return hit
    const pool = ref.label === 0 ? this.pools.real : this.pools.fake
    const item = await pool.get(ref.index)
    const decoded = await this.ops.decode(item.bytes, `${pool.name}#${ref.index}`)
    const img = this.opts.challenge || (decoded.width === this.opts.inputSize && decoded.height === this.opts.inputSize)
      ? decoded
      : await this.ops.base(decoded, this.opts.inputSize)
    const entry = {img, source: item.source}
    if (this.cachedBytes + img.data.byteLength <= (this.opts.cacheBytes ?? 2 ** 31)) {
      this.cache.set(key, entry)
      this.cachedBytes += img.data.byteLength
    }
    return entry
  }

  /** The image a sample is evaluated on: the base transform, or in challenge mode one challenge fixed per sample. */
  async evalImage(ref: SampleRef): Promise<{img: RgbImage; source: string}> {
    const base = await this.baseImage(ref)
    const ch = this.opts.challenge
    if (!ch) return base
    const key = `${ref.label}:${ref.index}`
    const hit = this.evalCache.get(key)
    if (hit) return {img: hit, source: base.source}
    const img = await this.challengeOf(base.img, createRng(mixSeed(0xc4a1, ref.label, ref.index)))
    if (this.cachedBytes + img.data.byteLength <= (this.opts.cacheBytes ?? 2 ** 31)) {
      this.evalCache.set(key, img)
      this.cachedBytes += img.data.byteLength
    }
    return {img, source: base.source}
  }

  private challengeOf(img: RgbImage, rng: Rng): Promise<RgbImage> {
    const ch = this.opts.challenge!
    if (!this.ops.challenge) throw new Error('challenge mode needs an image-ops challenge transform')
    return this.ops.challenge(img, rng, ch.size, ch.quality, ch.level)
  }

  /** A training image: a raw random crop (with flips) or the augmentation; in challenge mode, of a fresh challenge. */
  async trainImage(ref: SampleRef, rng: Rng): Promise<RgbImage> {
    let {img} = await this.baseImage(ref)
    if (this.opts.challenge) {
      img = await this.challengeOf(img, rng)
      if (this.opts.trainCrop) return randomCropFlip(img, Math.min(this.opts.trainCrop, img.width, img.height), rng, 1)
      return img
    }
    if (this.opts.trainCrop) return randomCropFlip(img, Math.min(this.opts.trainCrop, img.width, img.height), rng, this.opts.cropAlign)
    if (this.ops.augment) return await this.ops.augment(img, rng, this.opts.inputSize)
    return randomCropFlip(img, img.width, rng)
  }

  /** Every sample of the split, real first, optionally capped at `max` per class (taken at even strides). */
  allRefs(maxPerClass?: number): SampleRef[] {
    const pick = (label: 0 | 1, size: number): SampleRef[] => {
      const n = maxPerClass === undefined ? size : Math.min(size, maxPerClass)
      return Array.from({length: n}, (_, k) => ({label, index: Math.floor((k * size) / n)}))
    }
    return [...pick(0, this.realSize), ...pick(1, this.fakeSize)]
  }
}
