import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'

import {createRng} from '../config/random.js'
import {crop, type RgbImage} from '../image/index.js'
import {resolveBackend} from '../runtime/tfjs-backend.js'
import type {GenerateOptions, GeneratedImage, SyntheticSource} from './source.js'

/**
 * ESRGAN generators shipped as tfjs layers models in the MIT npm packages `@upscalerjs/esrgan-slim` and
 * `@upscalerjs/esrgan-medium`. Used two ways: as a `SyntheticSource` (downscale a real image, let the GAN
 * upscale it back: the result carries GAN up-sampling artefacts) and by the offline corpus builder.
 */
export type EsrganPackage = 'slim' | 'medium'
export type EsrganScale = 2 | 3 | 4 | 8

export const ESRGAN_PACKAGES: readonly EsrganPackage[] = ['slim', 'medium']
export const ESRGAN_SCALES: readonly EsrganScale[] = [2, 3, 4, 8]

const require = createRequire(import.meta.url)

/** Folder holding `model.json` + shards for one package and scale, resolved from node_modules. */
export function esrganModelDir(pkg: EsrganPackage, scale: EsrganScale): string {
  // The packages' `exports` hide package.json: resolve the CJS entry and walk up to the package root.
  const name = `@upscalerjs/esrgan-${pkg}`
  let dir = path.dirname(require.resolve(name))
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== `esrgan-${pkg}`) {
    const up = path.dirname(dir)
    if (up === dir) throw new Error(`cannot locate the ${name} package folder`)
    dir = up
  }
  return path.join(dir, 'models', `x${scale}`)
}

// UpscalerJS's RRDN generators (esrgan-thick) need two custom layers. The slim/medium 1.0.0 graphs are RDNs made of
// plain Keras layers (0..255 in and out), but registering both keeps any of these model folders loadable.
class MultiplyBeta extends tf.layers.Layer {
  static className = 'MultiplyBeta'
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 0.2))
  }
}

function pixelShuffleClass(scale: number): typeof tf.layers.Layer {
  class PixelShuffle extends tf.layers.Layer {
    static className = `PixelShuffle${scale}x`
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
      return [s[0]!, s[1] == null ? null : s[1] * scale, s[2] == null ? null : s[2] * scale, 3]
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D
      return tf.depthToSpace(x, scale, 'NHWC')
    }
  }
  return PixelShuffle
}

let customLayersRegistered = false
function registerCustomLayers(): void {
  if (customLayersRegistered) return
  tf.serialization.registerClass(MultiplyBeta)
  for (const s of ESRGAN_SCALES) tf.serialization.registerClass(pixelShuffleClass(s) as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>)
  customLayersRegistered = true
}

/** An IOHandler reading a tfjs layers model (model.json + weight shards) from disk, since Node has no file:// handler without tfjs-node. */
export function fileModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
        modelTopology: object
        format?: string
        generatedBy?: string
        convertedBy?: string | null
        weightsManifest: Array<{paths: string[]; weights: tf.io.WeightsManifestEntry[]}>
      }
      const dir = path.dirname(modelJsonPath)
      const specs: tf.io.WeightsManifestEntry[] = []
      const buffers: Buffer[] = []
      for (const group of json.weightsManifest) {
        specs.push(...group.weights)
        for (const p of group.paths) buffers.push(await readFile(path.join(dir, p)))
      }
      const all = Buffer.concat(buffers)
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }
    },
  }
}

const modelCache = new Map<string, Promise<tf.LayersModel>>()

export async function loadEsrganModel(pkg: EsrganPackage, scale: EsrganScale, opts: {backend?: string} = {}): Promise<tf.LayersModel> {
  await resolveBackend(opts.backend)
  registerCustomLayers()
  const key = `${pkg}/${scale}`
  let m = modelCache.get(key)
  if (!m) {
    m = tf.loadLayersModel(fileModelHandler(path.join(esrganModelDir(pkg, scale), 'model.json')))
    modelCache.set(key, m)
    m.catch(() => modelCache.delete(key))
  }
  return m
}

async function runModel(model: tf.LayersModel, img: RgbImage): Promise<RgbImage> {
  const out = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3])
    const y = model.predict(x) as tf.Tensor4D
    return tf.clipByValue(tf.round(y), 0, 255).cast('int32') as tf.Tensor4D
  })
  try {
    const [, h, w] = out.shape
    const data = Uint8Array.from(await out.data())
    return {data, width: w, height: h}
  } finally {
    out.dispose()
  }
}

/**
 * Run the generator: input (h, w) → output (h·scale, w·scale), pixel range 0..255. Inputs larger than `tile`
 * go through in overlapping tiles (each sees `overlap` pixels of context per side; only its centre is kept), so
 * memory stays bounded for photo-sized inputs.
 */
export async function esrganUpscale(model: tf.LayersModel, img: RgbImage, opts: {tile?: number; overlap?: number} = {}): Promise<RgbImage> {
  const tile = opts.tile ?? 128
  const ov = opts.overlap ?? 12
  if (img.width <= tile && img.height <= tile) return runModel(model, img)
  let s = 0
  let out: Uint8Array | undefined
  const W = img.width
  const H = img.height
  for (let ty = 0; ty < H; ty += tile) {
    for (let tx = 0; tx < W; tx += tile) {
      const x0 = Math.max(0, tx - ov)
      const y0 = Math.max(0, ty - ov)
      const x1 = Math.min(W, tx + tile + ov)
      const y1 = Math.min(H, ty + tile + ov)
      const up = await runModel(model, crop(img, x0, y0, x1 - x0, y1 - y0))
      if (!out) {
        s = up.width / (x1 - x0)
        out = new Uint8Array(W * s * H * s * 3)
      }
      const cw = Math.min(tile, W - tx) * s
      const ch = Math.min(tile, H - ty) * s
      const ox = (tx - x0) * s
      const oy = (ty - y0) * s
      for (let r = 0; r < ch; r++) {
        const src = ((oy + r) * up.width + ox) * 3
        out.set(up.data.subarray(src, src + cw * 3), ((ty * s + r) * W * s + tx * s) * 3)
      }
    }
  }
  return {data: out!, width: W * s, height: H * s}
}

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3'

async function resizeRgb(img: RgbImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<RgbImage> {
  const {data, info} = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: {width: img.width, height: img.height, channels: 3},
  })
    .resize(width, height, {fit: 'fill', kernel})
    .raw()
    .toBuffer({resolveWithObject: true})
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height}
}

/**
 * Downscale `img` by `scale` (Lanczos unless told), let the GAN upscale it back, and return an image of exactly the input
 * size (the GAN output is cropped when w/scale was rounded up).
 */
export async function esrganRoundTrip(model: tf.LayersModel, img: RgbImage, scale: number, opts: {kernel?: ResizeKernel} = {}): Promise<RgbImage> {
  const lw = Math.ceil(img.width / scale)
  const lh = Math.ceil(img.height / scale)
  const small = await resizeRgb(img, lw, lh, opts.kernel)
  const up = await esrganUpscale(model, small)
  if (up.width === img.width && up.height === img.height) return up
  return crop(up, Math.floor((up.width - img.width) / 2), Math.floor((up.height - img.height) / 2), img.width, img.height)
}

/**
 * ESRGAN as a synthetic image source. With `baseImage`, that image is downscaled and re-upscaled; without one,
 * a seeded smooth random image of `width`×`height` stands in (the GAN still paints its artefacts over it).
 */
export class EsrganSource implements SyntheticSource {
  readonly name: string
  private readonly pkg: EsrganPackage
  private readonly scale: EsrganScale
  private readonly backend?: string

  constructor(opts: {pkg?: EsrganPackage; scale?: EsrganScale; backend?: string} = {}) {
    this.pkg = opts.pkg ?? 'slim'
    this.scale = opts.scale ?? 2
    this.backend = opts.backend
    this.name = `esrgan-${this.pkg}-x${this.scale}`
  }

  async generate(opts: GenerateOptions): Promise<GeneratedImage> {
    const model = await loadEsrganModel(this.pkg, this.scale, {backend: this.backend})
    let base = opts.baseImage
    if (!base) base = await smoothNoise(opts.width ?? 256, opts.height ?? 256, opts.seed ?? 0)
    else if ((opts.width && opts.width !== base.width) || (opts.height && opts.height !== base.height)) {
      base = await resizeRgb(base, opts.width ?? base.width, opts.height ?? base.height)
    }
    const image = await esrganRoundTrip(model, base, this.scale)
    return {image, meta: {source: this.name, width: image.width, height: image.height, generator: this.name, package: `@upscalerjs/esrgan-${this.pkg}`, scale: this.scale}}
  }

  /** Frees the model (shared by every source of the same package and scale in this process). */
  async dispose(): Promise<void> {
    const key = `${this.pkg}/${this.scale}`
    const m = modelCache.get(key)
    if (m) {
      modelCache.delete(key)
      ;(await m).dispose()
    }
  }
}

/** A seeded low-frequency colour field (a few random blobs, blurred), used when no base image is given. */
async function smoothNoise(width: number, height: number, seed: number): Promise<RgbImage> {
  const rng = createRng(seed)
  const gw = 8
  const gh = 8
  const grid = new Uint8Array(gw * gh * 3)
  for (let i = 0; i < grid.length; i++) grid[i] = Math.floor(rng() * 256)
  const {data, info} = await sharp(Buffer.from(grid), {raw: {width: gw, height: gh, channels: 3}})
    .resize(width, height, {fit: 'fill', kernel: 'cubic'})
    .blur(Math.max(0.3, Math.min(width, height) / 64))
    .raw()
    .toBuffer({resolveWithObject: true})
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height}
}
