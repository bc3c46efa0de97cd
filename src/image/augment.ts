import type {Rng} from '../config/random.js'
import {crop, flipHorizontal, flipVertical, resize, rotate} from './transform.js'
import type {RgbImage} from './types.js'

/**
 * torchvision RandomResizedCrop's box choice for a given scale range and ratio 1 (square): ten tries at a random
 * area, then the centred largest square.
 */
export function randomResizedCropBox(width: number, height: number, rng: Rng, scale: [number, number] = [0.2, 1]): {left: number; top: number; side: number} {
  const area = width * height
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + rng() * (scale[1] - scale[0]))
    const side = Math.round(Math.sqrt(target))
    if (side > 0 && side <= width && side <= height) {
      const top = Math.floor(rng() * (height - side + 1))
      const left = Math.floor(rng() * (width - side + 1))
      return {left, top, side}
    }
  }
  const side = Math.min(width, height)
  return {left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), side}
}

/** What the geometric challenge augmentation drew: enough to reproduce it and to log it. */
export interface GeometryParams {
  /** degrees, counter-clockwise */
  angle: number
  /** the RandomResizedCrop square in the rotated image, before resizing to `size` */
  crop: {left: number; top: number; side: number}
  hflip: boolean
  vflip: boolean
}

/**
 * The validator's challenge augmentation (docs/ARCHITECTURE.md § Challenges and scoring): RandomRotation ±20°, RandomResizedCrop to size (scale 0.2–1,
 * ratio 1), horizontal and vertical flips each with p = 0.5. Returns what it drew.
 */
export async function augmentGeometric(img: RgbImage, rng: Rng, size = 256): Promise<{image: RgbImage; geometry: GeometryParams}> {
  const angle = -20 + rng() * 40
  let out = rotate(img, angle)
  const box = randomResizedCropBox(out.width, out.height, rng)
  out = await resize(crop(out, box.left, box.top, box.side, box.side), size, size)
  const hflip = rng() < 0.5
  if (hflip) out = flipHorizontal(out)
  const vflip = rng() < 0.5
  if (vflip) out = flipVertical(out)
  return {image: out, geometry: {angle, crop: box, hflip, vflip}}
}

/** augmentGeometric's image alone (augmentation level 1). */
export async function augmentChallenge(img: RgbImage, rng: Rng, size = 256): Promise<RgbImage> {
  return (await augmentGeometric(img, rng, size)).image
}

/**
 * Training augmentation (NPR's recipe without the normalisation): a random size×size crop (the image is first scaled
 * up if its shorter side is below size), then a horizontal flip with p = 0.5.
 */
export async function augmentTrain(img: RgbImage, rng: Rng, size: number): Promise<RgbImage> {
  let src = img
  const short = Math.min(img.width, img.height)
  if (short < size) {
    const k = size / short
    src = await resize(img, Math.max(size, Math.round(img.width * k)), Math.max(size, Math.round(img.height * k)))
  }
  const left = Math.floor(rng() * (src.width - size + 1))
  const top = Math.floor(rng() * (src.height - size + 1))
  let out = crop(src, left, top, size, size)
  if (rng() < 0.5) out = flipHorizontal(out)
  return out
}
