/**
 * Bilinear resampling as Pillow computes it (what torchvision's Resize does to PIL images, hence what BitMind's
 * Python miners and trainers see): a triangle filter widened by the scale when shrinking (antialiasing),
 * separable, horizontal pass first, 8-bit fixed-point coefficients with 22 fraction bits, rounding and clipping
 * to uint8 after each pass.
 */
import type {RgbImage} from './types.js'

const PRECISION_BITS = 32 - 8 - 2
const ONE = 2 ** PRECISION_BITS
const HALF = 2 ** (PRECISION_BITS - 1)

interface Coeffs {
  start: Int32Array
  count: Int32Array
  ksize: number
  k: Int32Array // fixed-point integers, ksize per output pixel
}

function triangle(x: number): number {
  const a = Math.abs(x)
  return a < 1 ? 1 - a : 0
}

function computeCoefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize
  const filterscale = Math.max(scale, 1)
  const support = filterscale // bilinear support 1, widened when shrinking
  const ksize = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const k = new Int32Array(outSize * ksize)
  const ss = 1 / filterscale
  const w = new Float64Array(ksize)
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0)
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin
    let ww = 0
    for (let x = 0; x < xmax; x++) {
      w[x] = triangle((x + xmin - center + 0.5) * ss)
      ww += w[x]!
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww === 0 ? 0 : w[x]! / ww
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE)
    }
    start[xx] = xmin
    count[xx] = xmax
  }
  return {start, count, ksize, k}
}

// The same few (in, out) pairs come back for every image of a batch (e.g. 224 → 256): compute them once.
const cache = new Map<string, Coeffs>()
function coefficients(inSize: number, outSize: number): Coeffs {
  const key = `${inSize}:${outSize}`
  let c = cache.get(key)
  if (!c) {
    if (cache.size >= 64) cache.clear()
    c = computeCoefficients(inSize, outSize)
    cache.set(key, c)
  }
  return c
}

/**
 * floor(v / 2^22) clipped to 0..255. The coefficients are non-negative and sum to ~2^22, so |v| < 2^31 and the
 * arithmetic shift is exact.
 */
function clip8(v: number): number {
  const r = v >> PRECISION_BITS
  return r < 0 ? 0 : r > 255 ? 255 : r
}

/** A rectangle of the source (no copy is made of it). */
export interface Box {
  left: number
  top: number
  width: number
  height: number
}

/** Horizontal pass over the rows box.top … box.top+box.height−1, columns box.left … */
function horizontal(img: RgbImage, box: Box, outW: number): Uint8Array {
  const {start, count, ksize, k} = coefficients(box.width, outW)
  const src = img.data
  const h = box.height
  const out = new Uint8Array(outW * h * 3)
  for (let y = 0; y < h; y++) {
    const row = ((box.top + y) * img.width + box.left) * 3
    let o = y * outW * 3
    for (let xx = 0; xx < outW; xx++) {
      let r = HALF, g = HALF, b = HALF
      const n = count[xx]!, base = xx * ksize
      let p = row + start[xx]! * 3
      for (let x = 0; x < n; x++, p += 3) {
        const c = k[base + x]!
        r += src[p]! * c
        g += src[p + 1]! * c
        b += src[p + 2]! * c
      }
      out[o++] = clip8(r)
      out[o++] = clip8(g)
      out[o++] = clip8(b)
    }
  }
  return out
}

/** Vertical pass over a w×inH interleaved image whose rows start at `top` with `stride` bytes per row. */
function vertical(src: Uint8Array, srcOffset: number, stride: number, w: number, inH: number, outH: number): Uint8Array {
  const {start, count, ksize, k} = coefficients(inH, outH)
  const rowBytes = w * 3
  const out = new Uint8Array(rowBytes * outH)
  for (let yy = 0; yy < outH; yy++) {
    const s = start[yy]!, n = count[yy]!, base = yy * ksize
    const o = yy * rowBytes
    const first = srcOffset + s * stride
    for (let i = 0; i < rowBytes; i++) {
      let acc = HALF
      let p = first + i
      for (let y = 0; y < n; y++, p += stride) acc += src[p]! * k[base + y]!
      out[o + i] = clip8(acc)
    }
  }
  return out
}

/**
 * Pillow's `img.crop(box).resize((width, height), BILINEAR)` on an RGB image, reading the box in place (no crop
 * copy). Without a box, the whole image.
 */
export function resizeBilinearPil(img: RgbImage, width: number, height: number, box?: Box): RgbImage {
  if (width <= 0 || height <= 0) throw new RangeError(`bad resize target ${width}x${height}`)
  const b = box ?? {left: 0, top: 0, width: img.width, height: img.height}
  if (b.left < 0 || b.top < 0 || b.width <= 0 || b.height <= 0 || b.left + b.width > img.width || b.top + b.height > img.height) {
    throw new RangeError(`resize box ${b.width}x${b.height}+${b.left}+${b.top} outside ${img.width}x${img.height}`)
  }
  const stride = img.width * 3
  if (width !== b.width) {
    const h = horizontal(img, b, width)
    const data = height !== b.height ? vertical(h, 0, width * 3, width, b.height, height) : h
    return {data, width, height}
  }
  // no horizontal pass: the vertical pass reads the box's columns straight from the source
  if (height !== b.height) return {data: vertical(img.data, (b.top * img.width + b.left) * 3, stride, width, b.height, height), width, height}
  return {data: copyBox(img, b), width, height}
}

function copyBox(img: RgbImage, b: Box): Uint8Array {
  const out = new Uint8Array(b.width * b.height * 3)
  const rowBytes = b.width * 3
  for (let y = 0; y < b.height; y++) {
    const s = ((b.top + y) * img.width + b.left) * 3
    out.set(img.data.subarray(s, s + rowBytes), y * rowBytes)
  }
  return out
}
