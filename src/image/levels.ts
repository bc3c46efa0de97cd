/**
 * BitMind v2.2.11's augmentation levels (bitmind/utils/image_transforms.py, apply_augmentation_by_level), each picked
 * with probability 1/4:
 *   0  none: the base transform only (centre crop to the shorter side, resize to size×size)
 *   1  the geometric set: rotation ±20°, RandomResizedCrop (scale 0.2–1), horizontal / vertical flips
 *   2  level 1, then CS, CC, JPEG, each at a DeeperForensics severity drawn from {0, 1} (0 = skipped)
 *   3  level 1, then CS, CC, JPEG, GNC, GB, each at a severity drawn from {0, 1, 2}
 * The whole thing is a pure function of (image, level, RNG): the same seed gives the same pixels and record.
 */
import type {Rng} from '../config/random.js'
import {augmentGeometric, type GeometryParams} from './augment.js'
import {applyDistortion, DISTORTION_PARAMS, type DistortionName} from './distortions.js'
import {centerCropResize} from './transform.js'
import type {RgbImage} from './types.js'

export const AUGMENTATION_LEVELS = [0, 1, 2, 3] as const
export type AugmentationLevel = (typeof AUGMENTATION_LEVELS)[number]
/** a fixed level, or one drawn per image */
export type LevelChoice = AugmentationLevel | 'random'

export interface DistortionRecord {
  name: DistortionName
  /** DeeperForensics severity (1 = mildest) */
  severity: number
  param: number
}

/** What was done to a challenge image: goes into results.jsonl beside the miner's answer. */
export interface AugmentationRecord {
  level: AugmentationLevel
  geometry?: GeometryParams
  distortions: DistortionRecord[]
}

/** Distortions per level, in the order applied, with the highest severity randint may draw (inclusive). */
const LEVEL_DISTORTIONS: Record<AugmentationLevel, {names: DistortionName[]; maxSeverity: number}> = {
  0: {names: [], maxSeverity: 0},
  1: {names: [], maxSeverity: 0},
  2: {names: ['CS', 'CC', 'JPEG'], maxSeverity: 1},
  3: {names: ['CS', 'CC', 'JPEG', 'GNC', 'GB'], maxSeverity: 2},
}

/** 0–3 with probability 1/4 each. */
export function pickLevel(rng: Rng): AugmentationLevel {
  return Math.min(3, Math.floor(rng() * 4)) as AugmentationLevel
}

/** "random", or a level 0–3; anything else is an error naming the input. */
export function parseLevelChoice(v: string | number): LevelChoice {
  if (v === 'random') return 'random'
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v)
  if (!(AUGMENTATION_LEVELS as readonly number[]).includes(n)) throw new Error(`augmentation level must be 0, 1, 2, 3 or random, got "${v}"`)
  return n as AugmentationLevel
}

/** The image at `level` and the record of what was drawn. */
export async function augmentAtLevel(img: RgbImage, level: AugmentationLevel, rng: Rng, size = 256): Promise<{image: RgbImage; augmentation: AugmentationRecord}> {
  if (level === 0) return {image: await centerCropResize(img, size), augmentation: {level, distortions: []}}
  const {image: geometric, geometry} = await augmentGeometric(img, rng, size)
  let image = geometric
  const distortions: DistortionRecord[] = []
  const {names, maxSeverity} = LEVEL_DISTORTIONS[level]
  for (const name of names) {
    const severity = Math.floor(rng() * (maxSeverity + 1))
    if (severity === 0) continue
    const param = DISTORTION_PARAMS[name][severity - 1]!
    image = applyDistortion(image, name, param, rng)
    distortions.push({name, severity, param})
  }
  return {image, augmentation: {level, geometry, distortions}}
}

/** A fixed level, or one drawn from the RNG first ("random"). */
export async function augmentChoice(img: RgbImage, choice: LevelChoice, rng: Rng, size = 256): Promise<{image: RgbImage; augmentation: AugmentationRecord}> {
  return augmentAtLevel(img, choice === 'random' ? pickLevel(rng) : choice, rng, size)
}
