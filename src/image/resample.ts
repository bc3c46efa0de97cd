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
  k: Float64Array // fixed-point integers, ksize per output pixel
}

function triangle(x: number): number {
  const a = Math.abs(x)
  return a < 1 ? 1 - a : 0
}

function coefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize
  const filterscale = Math.max(scale, 1)
  const support = filterscale // bilinear support 1, widened when shrinking
  const ksize = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const k = new Float64Array(outSize * ksize)
  const ss = 1 / filterscale
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0)
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin
    let ww = 0
    const w = new Float64Array(xmax)
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

function clip8(v: number): number {
  const r = Math.floor(v / ONE)
  return r < 0 ? 0 : r > 255 ? 255 : r
}

function horizontal(src: Uint8Array, inW: number, h: number, outW: number): Uint8Array {
  const {start, count, ksize, k} = coefficients(inW, outW)
  const out = new Uint8Array(outW * h * 3)
  for (let y = 0; y < h; y++) {
    const row = y * inW * 3
    for (let xx = 0; xx < outW; xx++) {
      let r = HALF, g = HALF, b = HALF
      const s = start[xx]!, n = count[xx]!, base = xx * ksize
      for (let x = 0; x < n; x++) {
        const c = k[base + x]!
        const p = row + (s + x) * 3
        r += src[p]! * c
        g += src[p + 1]! * c
        b += src[p + 2]! * c
      }
      const o = (y * outW + xx) * 3
      out[o] = clip8(r)
      out[o + 1] = clip8(g)
      out[o + 2] = clip8(b)
    }
  }
  return out
}

function vertical(src: Uint8Array, w: number, inH: number, outH: number): Uint8Array {
  const {start, count, ksize, k} = coefficients(inH, outH)
  const out = new Uint8Array(w * outH * 3)
  const stride = w * 3
  for (let yy = 0; yy < outH; yy++) {
    const s = start[yy]!, n = count[yy]!, base = yy * ksize
    for (let i = 0; i < stride; i++) {
      let acc = HALF
      for (let y = 0; y < n; y++) acc += src[(s + y) * stride + i]! * k[base + y]!
      out[yy * stride + i] = clip8(acc)
    }
  }
  return out
}

/** Pillow's Image.resize(size, BILINEAR) on an RGB image. */
export function resizeBilinearPil(img: RgbImage, width: number, height: number): RgbImage {
  if (width <= 0 || height <= 0) throw new RangeError(`bad resize target ${width}x${height}`)
  let data = img.data
  let w = img.width
  if (width !== img.width) {
    data = horizontal(data, img.width, img.height, width)
    w = width
  }
  if (height !== img.height) data = vertical(data, w, img.height, height)
  return {data: data === img.data ? new Uint8Array(data) : data, width, height}
}
