import sharp, {type Sharp} from 'sharp'

import {resizeBilinearPil} from './resample.js'
import type {RgbImage} from './types.js'
import {roundHalfEven} from '../config/rounding.js'

function toSharp(img: RgbImage): Sharp {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: {width: img.width, height: img.height, channels: 3},
  })
}

/**
 * Bilinear resize exactly as Pillow's BILINEAR (antialiased when shrinking), which torchvision's Resize applies to
 * PIL images: the pixels BitMind's Python side sees. (libvips' linear kernel differs by up to ~100 levels when
 * enlarging.) Async for callers that may move it off the main thread later.
 */
export async function resize(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img
  return resizeBilinearPil(img, width, height)
}

/** Copy out a rectangle (no resampling). */
export function crop(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height) {
    throw new RangeError(`crop ${width}x${height}+${left}+${top} outside ${img.width}x${img.height}`)
  }
  const out = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * 3
    out.set(img.data.subarray(src, src + width * 3), y * width * 3)
  }
  return {data: out, width, height}
}

/** torchvision CenterCrop's box for the largest centred square: int(round((size − crop) / 2)), halves to even. */
export function centerSquareBox(width: number, height: number): {left: number; top: number; width: number; height: number} {
  const side = Math.min(width, height)
  return {left: roundHalfEven((width - side) / 2), top: roundHalfEven((height - side) / 2), width: side, height: side}
}

/** BitMind's base transform: centre-crop to the shorter side, then resize to size×size (the crop is read in place). */
export async function centerCropResize(img: RgbImage, size: number): Promise<RgbImage> {
  const box = centerSquareBox(img.width, img.height)
  if (box.width === size && box.height === size) return box.width === img.width && box.height === img.height ? img : crop(img, box.left, box.top, size, size)
  return resizeBilinearPil(img, size, size, box)
}

export interface Normalisation {
  mean?: readonly number[]
  std?: readonly number[]
}

/** (v/255 − mean)/std for every byte value, per channel, computed as the per-pixel formula would (same float32s). */
function lookupTables(opts: Normalisation): Float32Array[] {
  const mean = opts.mean ?? [0, 0, 0]
  const std = opts.std ?? [1, 1, 1]
  return [0, 1, 2].map((c) => {
    const t = new Float32Array(256)
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean[c]!) / std[c]!
    return t
  })
}

function checkSameSize(images: RgbImage[]): {w: number; h: number} {
  if (images.length === 0) throw new RangeError('no images')
  const {width: w, height: h} = images[0]!
  for (const im of images) if (im.width !== w || im.height !== h) throw new RangeError(`mixed sizes in a batch: ${w}x${h} and ${im.width}x${im.height}`)
  return {w, h}
}

/** Write one image into slot n of a float32 N×3×H×W batch (x/255, then (x − mean)/std per channel when given). */
export function writeNCHW(out: Float32Array, n: number, im: RgbImage, opts: Normalisation = {}, luts = lookupTables(opts)): void {
  const plane = im.width * im.height
  const base = n * 3 * plane
  const d = im.data
  const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array]
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[base + i] = l0[d[p]!]!
    out[base + plane + i] = l1[d[p + 1]!]!
    out[base + 2 * plane + i] = l2[d[p + 2]!]!
  }
}

/** Write one image into slot n of a float32 N×H×W×3 batch. */
export function writeNHWC(out: Float32Array, n: number, im: RgbImage, opts: Normalisation = {}, luts = lookupTables(opts)): void {
  const per = im.width * im.height * 3
  const o = n * per
  const d = im.data
  const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array]
  for (let i = 0; i < per; i += 3) {
    out[o + i] = l0[d[i]!]!
    out[o + i + 1] = l1[d[i + 1]!]!
    out[o + i + 2] = l2[d[i + 2]!]!
  }
}

/** Batch → float32 N×3×H×W with x/255, then (x − mean)/std per channel when given. */
export function toNCHW(images: RgbImage[], opts: Normalisation = {}): Float32Array {
  const {w, h} = checkSameSize(images)
  const out = new Float32Array(images.length * 3 * w * h)
  const luts = lookupTables(opts)
  images.forEach((im, n) => writeNCHW(out, n, im, opts, luts))
  return out
}

/** Batch → float32 N×H×W×3 with x/255, then (x − mean)/std per channel when given. */
export function toNHWC(images: RgbImage[], opts: Normalisation = {}): Float32Array {
  const {w, h} = checkSameSize(images)
  const out = new Float32Array(images.length * w * h * 3)
  const luts = lookupTables(opts)
  images.forEach((im, n) => writeNHWC(out, n, im, opts, luts))
  return out
}

/** JPEG at PIL's default quality 75 unless told (the synapse carries JPEG). */
export async function encodeJpeg(img: RgbImage, quality = 75): Promise<Buffer> {
  return toSharp(img).jpeg({quality}).toBuffer()
}

export async function encodePng(img: RgbImage): Promise<Buffer> {
  return toSharp(img).png().toBuffer()
}

export function flipHorizontal(img: RgbImage): RgbImage {
  const {width: w, height: h} = img
  const out = new Uint8Array(img.data.length)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3, d = (y * w + (w - 1 - x)) * 3
      out[d] = img.data[s]!
      out[d + 1] = img.data[s + 1]!
      out[d + 2] = img.data[s + 2]!
    }
  }
  return {data: out, width: w, height: h}
}

export function flipVertical(img: RgbImage): RgbImage {
  const {width: w, height: h} = img
  const out = new Uint8Array(img.data.length)
  const row = w * 3
  for (let y = 0; y < h; y++) out.set(img.data.subarray(y * row, (y + 1) * row), (h - 1 - y) * row)
  return {data: out, width: w, height: h}
}

/**
 * Rotate counter-clockwise by `degrees` about the centre, same canvas size, nearest neighbour, black fill —
 * torchvision's RandomRotation defaults (expand=False, NEAREST, fill 0).
 */
export function rotate(img: RgbImage, degrees: number): RgbImage {
  const {width: w, height: h} = img
  const out = new Uint8Array(img.data.length)
  const a = (degrees * Math.PI) / 180
  const cos = Math.cos(a), sin = Math.sin(a)
  const cx = (w - 1) / 2, cy = (h - 1) / 2
  for (let y = 0; y < h; y++) {
    const dy = y - cy
    for (let x = 0; x < w; x++) {
      const dx = x - cx
      // inverse map: each output pixel samples the source rotated back by the angle (y axis points down)
      const sx = Math.round(cos * dx - sin * dy + cx)
      const sy = Math.round(sin * dx + cos * dy + cy)
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue
      const s = (sy * w + sx) * 3, d = (y * w + x) * 3
      out[d] = img.data[s]!
      out[d + 1] = img.data[s + 1]!
      out[d + 2] = img.data[s + 2]!
    }
  }
  return {data: out, width: w, height: h}
}
