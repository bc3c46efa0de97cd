import {existsSync, promises as fs} from 'node:fs'
import path from 'node:path'

import * as ort from 'onnxruntime-node'
import {z} from 'zod'

import {createRng, randomSeed} from '../config/random.js'
import type {RgbImage} from '../image/index.js'
import {openOnnxSession} from '../runtime/onnx-session.js'
import {ClipTokenizer} from './clip-tokenizer.js'
import {createScheduler, type Scheduler, type SchedulerName} from './schedulers/index.js'
import type {GenerateOptions, GeneratedImage, SyntheticSource} from './source.js'
import {floatTensor, gaussian, intTensor, readFloats, type FloatType} from './tensors.js'

const VAE_FACTOR = 8

const vaeConfigSchema = z.object({scaling_factor: z.number().positive().optional()}).passthrough()
const unetConfigSchema = z.object({time_cond_proj_dim: z.number().int().positive().nullable().optional()}).passthrough()
const modelIndexSchema = z.object({force_zeros_for_empty_prompt: z.boolean().optional()}).passthrough()

interface InputInfo {type: string; shape: ReadonlyArray<number | string>}

function inputs(session: ort.InferenceSession): Map<string, InputInfo> {
  const out = new Map<string, InputInfo>()
  for (const m of session.inputMetadata) if (m.isTensor) out.set(m.name, {type: m.type, shape: m.shape})
  return out
}

function floatType(info: InputInfo | undefined, what: string): FloatType {
  if (!info) throw new Error(`model has no ${what} input`)
  if (info.type !== 'float32' && info.type !== 'float16') throw new Error(`${what} must be float32 or float16, is ${info.type}`)
  return info.type
}

async function readJson<T>(file: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
  if (!existsSync(file)) return fallback
  return schema.parse(JSON.parse(await fs.readFile(file, 'utf8')))
}

/** Concatenate equal-sized batch-1 arrays along the batch axis. */
function cat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** diffusers' `get_guidance_scale_embedding`: sinusoidal features of w·1000 for LCM's `timestep_cond`. */
export function guidanceEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2)
  const out = new Float32Array(dim)
  const step = Math.log(10000) / (half - 1)
  for (let i = 0; i < half; i++) {
    const a = w * 1000 * Math.exp(-step * i)
    out[i] = Math.sin(a)
    out[half + i] = Math.cos(a)
  }
  return out
}

interface TextEncoder {
  session: ort.InferenceSession
  tokenizer: ClipTokenizer
  idType: string
}

interface Encoded {hidden: Float32Array; tokens: number; dim: number; pooled?: Float32Array}

export interface DiffusionLoadOptions {
  provider?: string
  scheduler?: SchedulerName
  name?: string
}

/**
 * A diffusers/optimum ONNX export run on onnxruntime-node: CLIP text encoder(s) → UNet loop under a scheduler →
 * VAE decoder. The variant (SD 1.x/2.x/turbo, SDXL with a second encoder, LCM with a guidance embedding) and every
 * dtype/rank is read from the sessions' input metadata, not assumed.
 */
export class OnnxDiffusionPipeline implements SyntheticSource {
  readonly name: string
  readonly kind: 'sd' | 'sdxl'
  /** The UNet takes `timestep_cond`: guidance is embedded, no classifier-free batch. */
  readonly guidanceEmbedded: boolean
  private readonly unetIn: Map<string, InputInfo>

  private constructor(
    readonly dir: string,
    private readonly encoders: TextEncoder[],
    private readonly unet: ort.InferenceSession,
    private readonly vae: ort.InferenceSession,
    private readonly scheduler: Scheduler,
    private readonly schedulerConfig: Record<string, unknown>,
    private readonly vaeScale: number,
    private readonly condDim: number,
    private readonly zerosForEmptyNegative: boolean,
    name: string,
  ) {
    this.name = name
    this.kind = encoders.length > 1 ? 'sdxl' : 'sd'
    this.unetIn = inputs(unet)
    this.guidanceEmbedded = this.unetIn.has('timestep_cond')
  }

  static async load(dir: string, opts: DiffusionLoadOptions = {}): Promise<OnnxDiffusionPipeline> {
    const need = (rel: string) => {
      const p = path.join(dir, rel)
      if (!existsSync(p)) throw new Error(`${dir} is not a diffusers ONNX export: missing ${rel}`)
      return p
    }
    const provider = opts.provider ?? 'cpu'
    const encoders: TextEncoder[] = []
    for (const [enc, tok] of [['text_encoder', 'tokenizer'], ['text_encoder_2', 'tokenizer_2']] as const) {
      if (enc === 'text_encoder_2' && !existsSync(path.join(dir, enc, 'model.onnx'))) break
      const session = await openOnnxSession(need(`${enc}/model.onnx`), {provider})
      const ids = inputs(session).get('input_ids')
      if (!ids) throw new Error(`${enc}/model.onnx has no input_ids input`)
      encoders.push({session, tokenizer: await ClipTokenizer.fromDir(need(tok)), idType: ids.type})
    }
    const unet = await openOnnxSession(need('unet/model.onnx'), {provider})
    const vae = await openOnnxSession(need('vae_decoder/model.onnx'), {provider})
    const schedPath = need('scheduler/scheduler_config.json')
    const schedulerConfig = z.record(z.string(), z.unknown()).parse(JSON.parse(await fs.readFile(schedPath, 'utf8')))
    const scheduler = createScheduler(schedulerConfig, opts.scheduler)
    const sdxl = encoders.length > 1
    const vaeCfg = await readJson(path.join(dir, 'vae_decoder', 'config.json'), vaeConfigSchema, {})
    const unetCfg = await readJson(path.join(dir, 'unet', 'config.json'), unetConfigSchema, {})
    const index = await readJson(path.join(dir, 'model_index.json'), modelIndexSchema, {})
    const condShape = inputs(unet).get('timestep_cond')?.shape
    const condDim = typeof condShape?.[1] === 'number' ? condShape[1] : (unetCfg.time_cond_proj_dim ?? 256)
    return new OnnxDiffusionPipeline(dir, encoders, unet, vae, scheduler, schedulerConfig,
      vaeCfg.scaling_factor ?? (sdxl ? 0.13025 : 0.18215), condDim, index.force_zeros_for_empty_prompt ?? sdxl,
      opts.name ?? path.basename(path.resolve(dir)))
  }

  private async encode(enc: TextEncoder, text: string, penultimate: boolean): Promise<Encoded> {
    const ids = enc.tokenizer.encode(text)
    const out = await enc.session.run({input_ids: intTensor(ids, [1, ids.length], enc.idType)})
    let hiddenName = 'last_hidden_state'
    if (penultimate) {
      const layers = Object.keys(out).map((k) => /^hidden_states\.(\d+)$/.exec(k)).filter((m) => m !== null).map((m) => Number(m[1]))
      if (layers.length < 2) throw new Error('an SDXL text encoder must output hidden_states.N (export with output_hidden_states)')
      hiddenName = `hidden_states.${Math.max(...layers) - 1}`
    }
    const h = out[hiddenName]
    if (!h) throw new Error(`text encoder has no ${hiddenName} output`)
    const pooledT = out.text_embeds ?? out.pooler_output
    return {hidden: readFloats(h), tokens: Number(h.dims[1]), dim: Number(h.dims[2]), pooled: pooledT ? readFloats(pooledT) : undefined}
  }

  /** Per-prompt conditioning: hidden states concatenated over encoders on the feature axis, plus SDXL's pooled embeds. */
  private async condition(prompt: string, zeros: boolean): Promise<{hidden: Float32Array; tokens: number; dim: number; pooled?: Float32Array}> {
    const parts = await Promise.all(this.encoders.map((e) => this.encode(e, prompt, this.kind === 'sdxl')))
    const tokens = parts[0]!.tokens
    const dim = parts.reduce((n, p) => n + p.dim, 0)
    const hidden = new Float32Array(tokens * dim)
    if (!zeros) {
      for (let t = 0; t < tokens; t++) {
        let o = t * dim
        for (const p of parts) {
          hidden.set(p.hidden.subarray(t * p.dim, (t + 1) * p.dim), o)
          o += p.dim
        }
      }
    }
    const pooledSrc = parts[parts.length - 1]!.pooled
    const pooled = pooledSrc && (zeros ? new Float32Array(pooledSrc.length) : pooledSrc)
    return {hidden, tokens, dim, pooled}
  }

  private timestepTensor(t: number, batch: number): ort.Tensor {
    const info = this.unetIn.get('timestep')
    if (!info) throw new Error('unet has no timestep input')
    if (info.shape.length === 0) return intTensor([t], [], info.type)
    const n = typeof info.shape[0] === 'number' ? info.shape[0] : batch
    return intTensor(new Array<number>(n).fill(t), [n], info.type)
  }

  async generate(opts: GenerateOptions = {}): Promise<GeneratedImage> {
    const width = opts.width ?? 512
    const height = opts.height ?? 512
    if (width % VAE_FACTOR || height % VAE_FACTOR || width <= 0 || height <= 0) throw new Error(`size must be positive multiples of 8, got ${width}x${height}`)
    const steps = opts.steps ?? 4
    const seed = opts.seed ?? randomSeed()
    const prompt = opts.prompt ?? ''
    const scale = opts.guidanceScale ?? (this.guidanceEmbedded ? 8 : 0)
    const cfg = scale > 1 && !this.guidanceEmbedded
    const timings = {encodeMs: 0, unetMs: 0, schedulerMs: 0, vaeMs: 0}

    let t0 = performance.now()
    const cond = await this.condition(prompt, false)
    const uncond = cfg ? await this.condition(opts.negativePrompt ?? '', this.zerosForEmptyNegative && !opts.negativePrompt) : undefined
    timings.encodeMs = performance.now() - t0

    const sampleInfo = this.unetIn.get('sample')
    const sampleType = floatType(sampleInfo, 'unet sample')
    const channels = typeof sampleInfo!.shape[1] === 'number' ? sampleInfo!.shape[1] : 4
    const [h, w] = [height / VAE_FACTOR, width / VAE_FACTOR]
    const batch = cfg ? 2 : 1
    const noise = gaussian(createRng(seed))
    this.scheduler.setTimesteps(steps)
    let latents: Float32Array = new Float32Array(channels * h * w)
    const sigma0 = this.scheduler.initNoiseSigma
    for (let i = 0; i < latents.length; i++) latents[i] = noise() * sigma0

    const feeds: Record<string, ort.Tensor> = {}
    const hidden = cfg ? cat([uncond!.hidden, cond.hidden]) : cond.hidden
    feeds.encoder_hidden_states = floatTensor(hidden, [batch, cond.tokens, cond.dim], floatType(this.unetIn.get('encoder_hidden_states'), 'encoder_hidden_states'))
    if (this.unetIn.has('text_embeds')) {
      if (!cond.pooled) throw new Error('unet wants text_embeds but the text encoder gives no pooled output')
      const pooled = cfg ? cat([uncond!.pooled!, cond.pooled]) : cond.pooled
      feeds.text_embeds = floatTensor(pooled, [batch, cond.pooled.length], floatType(this.unetIn.get('text_embeds'), 'text_embeds'))
    }
    if (this.unetIn.has('time_ids')) {
      const ids = [height, width, 0, 0, height, width]
      feeds.time_ids = floatTensor(Float32Array.from(cfg ? [...ids, ...ids] : ids), [batch, 6], floatType(this.unetIn.get('time_ids'), 'time_ids'))
    }
    if (this.guidanceEmbedded) {
      feeds.timestep_cond = floatTensor(guidanceEmbedding(scale - 1, this.condDim), [1, this.condDim], floatType(this.unetIn.get('timestep_cond'), 'timestep_cond'))
    }

    const timesteps = this.scheduler.timesteps
    for (let i = 0; i < timesteps.length; i++) {
      t0 = performance.now()
      const x = this.scheduler.scaleModelInput(latents, i)
      const sample = cfg ? cat([x, x]) : x
      const stepFeeds = {...feeds, sample: floatTensor(sample, [batch, channels, h, w], sampleType), timestep: this.timestepTensor(timesteps[i]!, batch)}
      timings.schedulerMs += performance.now() - t0
      t0 = performance.now()
      const out = await this.unet.run(stepFeeds)
      timings.unetMs += performance.now() - t0
      t0 = performance.now()
      const outT = out.out_sample ?? out[this.unet.outputNames[0]!]!
      let pred = readFloats(outT)
      if (cfg) {
        const n = latents.length
        const guided = new Float32Array(n)
        for (let k = 0; k < n; k++) guided[k] = pred[k]! + scale * (pred[n + k]! - pred[k]!)
        pred = guided
      }
      latents = this.scheduler.step(pred, i, latents, noise)
      timings.schedulerMs += performance.now() - t0
      opts.onStep?.(i + 1, timesteps.length)
    }

    t0 = performance.now()
    const vaeIn = floatType(inputs(this.vae).get('latent_sample'), 'vae latent_sample')
    const scaled = latents.map((v) => v / this.vaeScale)
    const decoded = await this.vae.run({latent_sample: floatTensor(scaled, [1, channels, h, w], vaeIn)})
    const img = decoded.sample ?? decoded[this.vae.outputNames[0]!]!
    if (img.dims[2] !== height || img.dims[3] !== width) throw new Error(`vae decoded ${img.dims.join('x')}, expected 1x3x${height}x${width}`)
    const image = chwToImage(readFloats(img), width, height)
    timings.vaeMs = performance.now() - t0
    return {
      image,
      meta: {source: 'diffusion', model: this.name, kind: this.kind, prompt, seed, steps, width, height,
        guidanceScale: scale, scheduler: this.scheduler.name, schedulerClass: this.schedulerConfig._class_name, timings},
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.encoders.map((e) => e.session.release()), this.unet.release(), this.vae.release()])
  }
}

/** VAE output in [−1, 1] (1×3×H×W) → 8-bit HWC RGB via clamp(x/2 + 0.5). */
export function chwToImage(chw: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height
  const data = new Uint8Array(plane * 3)
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const v = Math.min(1, Math.max(0, chw[c * plane + p]! / 2 + 0.5))
      data[p * 3 + c] = Math.round(v * 255)
    }
  }
  return {data, width, height}
}
