import {promises as fs} from 'node:fs'
import path from 'node:path'

import ort from 'onnxruntime-node'
import {z} from 'zod'

import {createRng} from '../config/random.js'
import type {RgbImage} from '../image/index.js'
import {ClipTokenizer} from './clip-tokenizer.js'
import {floatTensor, inputSpecs, numberTensor, toFloat32, type InputSpec} from './ort-tensors.js'
import {createScheduler, type Scheduler, type SchedulerName} from './schedulers/index.js'
import type {GenerateOptions, GeneratedImage, SyntheticSource} from './source.js'

export type PipelineKind = 'sd' | 'sdxl' | 'lcm'
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu'

export interface DiffusionPipelineOptions {
  provider?: ExecutionProvider
  scheduler?: SchedulerName
  /** Called with the time each UNet call took (for benchmarks and progress). */
  onUnet?: (ms: number) => void
}

const vaeConfigSchema = z.object({scaling_factor: z.number().positive().optional()}).passthrough()
const modelIndexSchema = z.object({_class_name: z.string().optional()}).passthrough()

interface Encoder {
  session: ort.InferenceSession
  tokenizer: ClipTokenizer
  idsType: string
}

/** A standard normal draw from a seeded uniform source (Box–Muller). */
function gaussian(rng: () => number): () => number {
  let spare: number | undefined
  return () => {
    if (spare !== undefined) {
      const s = spare
      spare = undefined
      return s
    }
    const u = Math.max(rng(), 1e-12)
    const v = rng()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
}

/** LCM's guidance embedding of w (diffusers `get_guidance_scale_embedding`): sin/cos of w·1000 at log-spaced rates. */
export function guidanceEmbedding(w: number, dim: number): Float32Array {
  const half = dim / 2
  const rate = Math.log(10000) / (half - 1)
  const out = new Float32Array(dim)
  for (let i = 0; i < half; i++) {
    const a = w * 1000 * Math.exp(-rate * i)
    out[i] = Math.sin(a)
    out[half + i] = Math.cos(a)
  }
  return out
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false)
}

async function openSession(file: string, provider: ExecutionProvider): Promise<ort.InferenceSession> {
  if (!(await exists(file))) throw new Error(`missing ${file}: the model folder must hold the standard ONNX export (DESIGN §5)`)
  try {
    return await ort.InferenceSession.create(file, {executionProviders: [provider], graphOptimizationLevel: 'all'})
  } catch (err) {
    const msg = (err as Error).message
    if (provider !== 'cpu' && /provider|backend|not (found|supported|available)/i.test(msg)) {
      throw new Error(`execution provider "${provider}" is not available in this onnxruntime-node build (${msg}); use --provider cpu or install a build with ${provider}`)
    }
    throw new Error(`cannot load ${file}: ${msg}`)
  }
}

/**
 * Text-to-image on ONNX Runtime from a diffusers/optimum ONNX export folder: SD 1.x/2.x/turbo (one text encoder),
 * SDXL/SDXL-turbo (two encoders, penultimate hidden states, pooled `text_embeds`, `time_ids`) and LCM
 * (`timestep_cond`). Dtypes and ranks come from each session's input metadata.
 */
export class OnnxDiffusionPipeline implements SyntheticSource {
  readonly name: string

  private constructor(
    readonly dir: string,
    readonly kind: PipelineKind,
    private readonly encoders: Encoder[],
    private readonly unet: ort.InferenceSession,
    private readonly vae: ort.InferenceSession,
    private readonly schedulerConfig: Record<string, unknown>,
    private readonly vaeScale: number,
    private readonly opts: DiffusionPipelineOptions,
  ) {
    this.name = `onnx-${kind}:${path.basename(dir)}`
  }

  static async load(dir: string, opts: DiffusionPipelineOptions = {}): Promise<OnnxDiffusionPipeline> {
    const provider = opts.provider ?? 'cpu'
    const readJson = async (f: string) => JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as unknown
    if (!(await exists(path.join(dir, 'unet', 'model.onnx')))) {
      throw new Error(`${dir} is not an ONNX diffusion folder (no unet/model.onnx); see scripts/get-diffusion-models.md`)
    }
    const index = (await exists(path.join(dir, 'model_index.json'))) ? modelIndexSchema.parse(await readJson('model_index.json')) : {}
    const schedulerConfig = (await exists(path.join(dir, 'scheduler', 'scheduler_config.json')))
      ? (await readJson('scheduler/scheduler_config.json')) as Record<string, unknown> : {}
    const encoders: Encoder[] = []
    for (const sub of ['text_encoder', 'text_encoder_2']) {
      if (!(await exists(path.join(dir, sub)))) continue
      const tokDir = path.join(dir, sub === 'text_encoder' ? 'tokenizer' : 'tokenizer_2')
      const session = await openSession(path.join(dir, sub, 'model.onnx'), provider)
      const idsType = inputSpecs(session).get('input_ids')?.type ?? 'int32'
      encoders.push({session, tokenizer: await ClipTokenizer.fromDir(tokDir), idsType})
    }
    if (encoders.length === 0) throw new Error(`${dir} has no text_encoder/`)
    const unet = await openSession(path.join(dir, 'unet', 'model.onnx'), provider)
    const vae = await openSession(path.join(dir, 'vae_decoder', 'model.onnx'), provider)
    const unetInputs = inputSpecs(unet)
    const kind: PipelineKind = unetInputs.has('timestep_cond') ? 'lcm' : encoders.length === 2 || unetInputs.has('text_embeds') ? 'sdxl' : 'sd'
    let vaeScale = kind === 'sdxl' ? 0.13025 : 0.18215
    if (await exists(path.join(dir, 'vae_decoder', 'config.json'))) {
      vaeScale = vaeConfigSchema.parse(await readJson('vae_decoder/config.json')).scaling_factor ?? vaeScale
    }
    void index
    return new OnnxDiffusionPipeline(dir, kind, encoders, unet, vae, schedulerConfig, vaeScale, opts)
  }

  /** Prompt embeddings [1, 77, D] (SDXL: both encoders' penultimate states concatenated) and the pooled vector. */
  private async encode(prompt: string): Promise<{hidden: Float32Array; dims: number[]; pooled?: Float32Array}> {
    const parts: {data: Float32Array; dims: number[]}[] = []
    let pooled: Float32Array | undefined
    for (const enc of this.encoders) {
      const ids = enc.tokenizer.encode(prompt)
      const out = await enc.session.run({input_ids: numberTensor(enc.idsType, ids, [1, ids.length])})
      const hiddenNames = Object.keys(out).filter((n) => /^hidden_states\.\d+$/.test(n))
      let name = 'last_hidden_state'
      if (this.kind === 'sdxl' && hiddenNames.length > 0) {
        const last = Math.max(...hiddenNames.map((n) => Number(n.split('.')[1])))
        name = `hidden_states.${last - 1}`
      }
      const t = out[name]
      if (!t) throw new Error(`text encoder has no ${name} output (outputs: ${Object.keys(out).join(', ')})`)
      parts.push({data: toFloat32(t), dims: [...t.dims]})
      const pool = out.text_embeds ?? out.pooler_output
      if (pool) pooled = toFloat32(pool)
    }
    if (parts.length === 1) return {hidden: parts[0]!.data, dims: parts[0]!.dims, pooled}
    const [a, b] = parts as [{data: Float32Array; dims: number[]}, {data: Float32Array; dims: number[]}]
    const seq = a.dims[1]!
    const da = a.dims[2]!, db = b.dims[2]!
    const hidden = new Float32Array(seq * (da + db))
    for (let s = 0; s < seq; s++) {
      hidden.set(a.data.subarray(s * da, (s + 1) * da), s * (da + db))
      hidden.set(b.data.subarray(s * db, (s + 1) * db), s * (da + db) + da)
    }
    return {hidden, dims: [1, seq, da + db], pooled}
  }

  async generate(opts: GenerateOptions): Promise<GeneratedImage> {
    const width = opts.width ?? 512
    const height = opts.height ?? 512
    if (width % 8 || height % 8) throw new Error(`size ${width}x${height} must be a multiple of 8`)
    const steps = opts.steps ?? (this.kind === 'sd' ? 25 : 4)
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32)
    const prompt = opts.prompt ?? ''
    const unetIn = inputSpecs(this.unet)
    const guidance = opts.guidanceScale ?? (this.kind === 'lcm' ? 8 : this.kind === 'sd' ? 7.5 : 0)
    const cfg = guidance > 1 && this.kind !== 'lcm'

    const cond = await this.encode(prompt)
    const uncond = cfg ? await this.encode(opts.negativePrompt ?? '') : undefined
    const batch = cfg ? 2 : 1
    const hidden = uncond ? concat(uncond.hidden, cond.hidden) : cond.hidden
    const hiddenDims = [batch, cond.dims[1]!, cond.dims[2]!]

    const scheduler: Scheduler = createScheduler(this.schedulerConfig, this.opts.scheduler)
    scheduler.setTimesteps(steps)
    const channels = typeof unetIn.get('sample')?.shape[1] === 'number' ? (unetIn.get('sample')!.shape[1] as number) : 4
    const lh = height / 8, lw = width / 8
    const noise = gaussian(createRng(seed))
    let latents: Float32Array = new Float32Array(channels * lh * lw)
    for (let i = 0; i < latents.length; i++) latents[i] = noise() * scheduler.initNoiseSigma

    const extra: Record<string, ort.Tensor> = {}
    if (this.kind === 'sdxl' || unetIn.has('text_embeds')) {
      if (!cond.pooled) throw new Error('SDXL-style UNet needs pooled text embeddings (text_embeds / pooler_output)')
      const pooled = uncond?.pooled ? concat(uncond.pooled, cond.pooled) : cond.pooled
      extra.text_embeds = floatTensor(unetIn.get('text_embeds')!.type, pooled, [batch, cond.pooled.length])
      const ids = [height, width, 0, 0, height, width]
      extra.time_ids = floatTensor(unetIn.get('time_ids')!.type, Float32Array.from(Array.from({length: batch}, () => ids).flat()), [batch, 6])
    }
    if (unetIn.has('timestep_cond')) {
      const spec = unetIn.get('timestep_cond')!
      const dim = typeof spec.shape[1] === 'number' ? spec.shape[1] : 256
      extra.timestep_cond = floatTensor(spec.type, guidanceEmbedding(guidance - 1, dim), [1, dim])
    }
    const sampleSpec = unetIn.get('sample')!
    const hiddenSpec = unetIn.get('encoder_hidden_states')!
    const timestepSpec = unetIn.get('timestep') ?? {type: 'float32', shape: [1]}

    for (let i = 0; i < scheduler.timesteps.length; i++) {
      const scaled = scheduler.scaleModelInput(latents, i)
      const input = cfg ? concat(scaled, scaled) : scaled
      const started = performance.now()
      const out = await this.unet.run({
        sample: floatTensor(sampleSpec.type, input, [batch, channels, lh, lw]),
        timestep: timestepTensor(timestepSpec, scheduler.timesteps[i]!, batch),
        encoder_hidden_states: floatTensor(hiddenSpec.type, hidden, hiddenDims),
        ...extra,
      })
      this.opts.onUnet?.(performance.now() - started)
      const pred = toFloat32(out.out_sample ?? Object.values(out)[0]!)
      let eps: Float32Array = pred
      if (cfg) {
        const n = latents.length
        eps = new Float32Array(n)
        for (let k = 0; k < n; k++) eps[k] = pred[k]! + guidance * (pred[n + k]! - pred[k]!)
      }
      latents = scheduler.step(eps, i, latents, noise)
      opts.onStep?.(i + 1, scheduler.timesteps.length)
    }

    const vaeSpec = inputSpecs(this.vae).get('latent_sample')!
    const scaledLatents = latents.map((v) => v / this.vaeScale)
    const decoded = await this.vae.run({latent_sample: floatTensor(vaeSpec.type, scaledLatents, [1, channels, lh, lw])})
    const img = toFloat32(decoded.sample ?? Object.values(decoded)[0]!)
    const image = chwToRgb(img, width, height)
    return {
      image,
      meta: {source: this.name, model: this.dir, kind: this.kind, prompt, seed, steps, width, height, guidanceScale: guidance, scheduler: scheduler.name},
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.encoders.map((e) => e.session.release()), this.unet.release(), this.vae.release()])
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** The timestep as the UNet declares it: a scalar, [1] or [batch]; float or int64. */
function timestepTensor(spec: InputSpec, t: number, batch: number): ort.Tensor {
  if (spec.shape.length === 0) return numberTensor(spec.type, [t], [])
  const n = spec.shape[0] === 1 ? 1 : batch
  return numberTensor(spec.type, new Array(n).fill(t), [n])
}

/** VAE output [1, 3, H, W] in −1..1 → 8-bit RGB, clamp(x/2 + 0.5). */
function chwToRgb(x: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height
  if (x.length < 3 * plane) throw new Error(`VAE output has ${x.length} values, expected ${3 * plane} for ${width}x${height}`)
  const data = new Uint8Array(plane * 3)
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, x[c * plane + p]! / 2 + 0.5))
      data[p * 3 + c] = Math.round(v * 255)
    }
  }
  return {data, width, height}
}
