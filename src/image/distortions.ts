/**
 * DeeperForensics-1.0 distortions as BitMind v2.2.11 applies them to challenges (bitmind/utils/image_transforms.py):
 * colour saturation (CS), colour contrast (CC), "JPEG" (which is really a down-and-up resample), colour Gaussian
 * noise (GNC) and Gaussian blur (GB). Each is a pure function of the image, its parameter and (for the noise) a seeded
 * RNG; none mutates its input.
 *
 * Where BitMind's numpy code truncates floats to uint8 we truncate too (CC, GNC). CS is the exception: there the
 * float32 round trip through OpenCV's YCrCb lands a hair below whole numbers, so truncating would take one level off
 * every grey pixel; we compute the colour-space maths exactly and round.
 */
import type {Rng} from '../config/random.js'
import type {RgbImage} from './types.js'

/** DeeperForensics' parameter per severity 1–5 (v2.2.11's get_distortion_parameter). */
export const DISTORTION_PARAMS = {
  CS: [0.4, 0.3, 0.2, 0.1, 0.0],
  CC: [0.85, 0.725, 0.6, 0.475, 0.35],
  JPEG: [2, 3, 4, 5, 6],
  GNC: [0.001, 0.002, 0.005, 0.01, 0.05],
  GB: [7, 9, 13, 17, 21],
} as const

export type DistortionName = keyof typeof DISTORTION_PARAMS

function clampByte(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x
}

/** BT.601 luma, the Y of OpenCV's YCrCb */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b
}

/**
 * CS: scale both chroma channels of YCbCr by `factor` about neutral, keeping luma — per pixel c' = Y + factor·(c − Y)
 * (the linear map that scaling Cb and Cr amounts to). factor 1 is the identity, 0 is greyscale.
 */
export function colorSaturation(img: RgbImage, factor: number): RgbImage {
  if (!(factor >= 0 && factor <= 1)) throw new RangeError(`colour saturation factor must be in [0, 1], got ${factor}`)
  const src = img.data
  const out = new Uint8Array(src.length)
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i]!, g = src[i + 1]!, b = src[i + 2]!
    const y = luma(r, g, b)
    out[i] = Math.round(clampByte(y + factor * (r - y)))
    out[i + 1] = Math.round(clampByte(y + factor * (g - y)))
    out[i + 2] = Math.round(clampByte(y + factor * (b - y)))
  }
  return {data: out, width: img.width, height: img.height}
}

/** CC: every channel times `factor`, truncated — float32 maths as numpy's `img.astype(float32) * p` then uint8. */
export function colorContrast(img: RgbImage, factor: number): RgbImage {
  if (!(factor >= 0 && factor <= 1)) throw new RangeError(`colour contrast factor must be in [0, 1], got ${factor}`)
  const f = Math.fround(factor)
  const out = new Uint8Array(img.data.length)
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(Math.fround(img.data[i]! * f))
  return {data: out, width: img.width, height: img.height}
}

/**
 * Bilinear resize with OpenCV's INTER_LINEAR geometry: pixel centres at +0.5, source coordinate clamped to the edge
 * pixels, no antialiasing when shrinking. Float weights, rounded to the nearest level (OpenCV's 11-bit fixed-point
 * weights can land one level away).
 */
export function resizeBilinearCv(img: RgbImage, width: number, height: number): RgbImage {
  if (width < 1 || height < 1) throw new RangeError(`resize target ${width}x${height} is empty`)
  const {width: sw, height: sh, data: src} = img
  const axis = (dst: number, srcLen: number) => {
    const lo = new Int32Array(dst), hi = new Int32Array(dst), t = new Float64Array(dst)
    const scale = srcLen / dst
    for (let d = 0; d < dst; d++) {
      let s = (d + 0.5) * scale - 0.5
      if (s < 0) s = 0
      let i = Math.floor(s)
      if (i >= srcLen - 1) {
        i = srcLen - 1
        s = i
      }
      lo[d] = i
      hi[d] = Math.min(i + 1, srcLen - 1)
      t[d] = s - i
    }
    return {lo, hi, t}
  }
  const X = axis(width, sw), Y = axis(height, sh)
  const out = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const r0 = Y.lo[y]! * sw, r1 = Y.hi[y]! * sw, ty = Y.t[y]!
    for (let x = 0; x < width; x++) {
      const c0 = X.lo[x]!, c1 = X.hi[x]!, tx = X.t[x]!
      for (let c = 0; c < 3; c++) {
        const top = src[(r0 + c0) * 3 + c]! * (1 - tx) + src[(r0 + c1) * 3 + c]! * tx
        const bottom = src[(r1 + c0) * 3 + c]! * (1 - tx) + src[(r1 + c1) * 3 + c]! * tx
        out[(y * width + x) * 3 + c] = Math.round(top * (1 - ty) + bottom * ty)
      }
    }
  }
  return {data: out, width, height}
}

/** "JPEG" in DeeperForensics: shrink by an integer factor (floor of each side) and scale back, bilinear both ways. */
export function jpegResample(img: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`JPEG down-sampling factor must be a whole number ≥ 1, got ${factor}`)
  const w = Math.floor(img.width / factor), h = Math.floor(img.height / factor)
  if (w < 1 || h < 1) throw new RangeError(`a ${img.width}x${img.height} image is too small to shrink by ${factor}`)
  return resizeBilinearCv(resizeBilinearCv(img, w, h), img.width, img.height)
}

/**
 * Standard normal samples by Box–Muller (both outputs used) from two uniform draws per pair: `radial` in (0, 1] so
 * that the log stays finite, then `angle` in [0, 1).
 */
export function boxMuller(radial: () => number, angle: () => number): () => number {
  let spare: number | undefined
  return () => {
    if (spare !== undefined) {
      const s = spare
      spare = undefined
      return s
    }
    const u1 = radial()
    const u2 = angle()
    const r = Math.sqrt(-2 * Math.log(u1))
    spare = r * Math.sin(2 * Math.PI * u2)
    return r * Math.cos(2 * Math.PI * u2)
  }
}

/** Standard normal samples from a uniform RNG (Box–Muller, both outputs used). */
export function normalSampler(rng: Rng): () => number {
  return boxMuller(() => 1 - rng(), rng)
}

/**
 * GNC: Gaussian noise of variance `variance` added to each of Y, Cb, Cr in DeeperForensics' normalised YCbCr
 * (studio-range Y scaled by 219/255, chroma by 224/255, then /255), back to RGB, clipped and truncated. In 8-bit
 * units that is a standard deviation of √variance·255²/219 on Y and √variance·255²/224 on each chroma channel
 * (OpenCV's float YCrCb: Cr = 0.713·(R−Y), Cb = 0.564·(B−Y)).
 */
export function gaussianNoiseColor(img: RgbImage, variance: number, rng: Rng): RgbImage {
  if (!(variance >= 0)) throw new RangeError(`noise variance must be ≥ 0, got ${variance}`)
  const sd = Math.sqrt(variance)
  const sY = (sd * 255 * 255) / 219, sC = (sd * 255 * 255) / 224
  const normal = normalSampler(rng)
  const src = img.data
  const out = new Uint8Array(src.length)
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i]!, g = src[i + 1]!, b = src[i + 2]!
    const y0 = luma(r, g, b)
    // numpy's randn fills (H, W, C) in C order; the channels here are (Y, Cb, Cr)
    const y = y0 + sY * normal()
    const cb = 0.564 * (b - y0) + sC * normal()
    const cr = 0.713 * (r - y0) + sC * normal()
    out[i] = Math.floor(clampByte(y + 1.403 * cr))
    out[i + 1] = Math.floor(clampByte(y - 0.714 * cr - 0.344 * cb))
    out[i + 2] = Math.floor(clampByte(y + 1.773 * cb))
  }
  return {data: out, width: img.width, height: img.height}
}

/** OpenCV's getGaussianKernel for σ > 0: exp(−(i − (k−1)/2)² / 2σ²), normalised to sum 1. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`Gaussian kernel size must be odd and ≥ 1, got ${size}`)
  if (!(sigma > 0)) throw new RangeError(`Gaussian sigma must be > 0, got ${sigma}`)
  const k = new Float64Array(size)
  const mid = (size - 1) / 2
  let sum = 0
  for (let i = 0; i < size; i++) sum += k[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma))
  for (let i = 0; i < size; i++) k[i]! /= sum
  return k
}

/** OpenCV's default border, BORDER_REFLECT_101: …3 2 1 | 0 1 2 3 | 2 1 0… */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0
  const period = 2 * (n - 1)
  let j = ((i % period) + period) % period
  if (j >= n) j = period - j
  return j
}

/** GB: cv2.GaussianBlur(img, (k, k), k/6) — separable, reflect-101 borders, rounded once at the end. */
export function gaussianBlur(img: RgbImage, kernelSize: number): RgbImage {
  const kernel = gaussianKernel(kernelSize, kernelSize / 6)
  const {width: w, height: h, data: src} = img
  const r = (kernelSize - 1) / 2
  const tmp = new Float64Array(src.length)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0
        for (let k = -r; k <= r; k++) acc += kernel[k + r]! * src[(y * w + reflect101(x + k, w)) * 3 + c]!
        tmp[(y * w + x) * 3 + c] = acc
      }
    }
  }
  const out = new Uint8Array(src.length)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0
        for (let k = -r; k <= r; k++) acc += kernel[k + r]! * tmp[(reflect101(y + k, h) * w + x) * 3 + c]!
        out[(y * w + x) * 3 + c] = Math.round(clampByte(acc))
      }
    }
  }
  return {data: out, width: w, height: h}
}

/** Apply one named distortion with its parameter (the RNG is used by GNC only). */
export function applyDistortion(img: RgbImage, name: DistortionName, param: number, rng: Rng): RgbImage {
  switch (name) {
    case 'CS':
      return colorSaturation(img, param)
    case 'CC':
      return colorContrast(img, param)
    case 'JPEG':
      return jpegResample(img, param)
    case 'GNC':
      return gaussianNoiseColor(img, param, rng)
    case 'GB':
      return gaussianBlur(img, param)
  }
}
