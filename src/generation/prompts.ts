import path from 'node:path'

import type {Rng} from '../config/random.js'
import type {RgbImage} from '../image/index.js'
import type {PromptSource} from './source.js'

/** Starters, subjects and tags in the style of the subnet's prompt generator (docs/ARCHITECTURE.md § Challenges and scoring); our own word lists. */
export const STARTERS = [
  'A photorealistic portrait of', 'A candid photograph of', 'A close-up photo of', 'A wide-angle shot of',
  'A documentary photo of', 'An outdoor photograph of', 'A studio photo of', 'A street photograph of',
]
export const SUBJECTS = [
  'an elderly fisherman mending nets', 'a young woman laughing in the rain', 'a golden retriever on a beach',
  'a busy market at dawn', 'a mountain lake under clouds', 'a chef plating a dish', 'a cyclist crossing a bridge',
  'a child reading under a tree', 'a red vintage car on a country road', 'a cat sleeping on a windowsill',
  'two friends sharing coffee', 'a lighthouse in a storm', 'a farmer in a wheat field', 'a city skyline at night',
]
export const QUALITY_TAGS = ['highly detailed', 'sharp focus', 'natural lighting', '8k', 'photorealistic', 'high dynamic range', 'film grain']
export const CAMERA_TAGS = ['shot on a Canon EOS R5, 85mm', 'shot on a Nikon D850, 35mm', 'shot on a Sony A7 III, 50mm f/1.8', 'shot on Kodak Portra 400', 'shot on a Fujifilm X-T4']

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!

function tags(rng: Rng): string {
  const q = [...QUALITY_TAGS].sort(() => rng() - 0.5).slice(0, 2 + Math.floor(rng() * 2))
  return `${q.join(', ')}, ${pick(rng, CAMERA_TAGS)}`
}

/** Plain template prompts: needs no model, always available. */
export class TemplatePromptSource implements PromptSource {
  readonly name = 'template'
  async next(rng: Rng = Math.random): Promise<string> {
    return `${pick(rng, STARTERS)} ${pick(rng, SUBJECTS)}, ${tags(rng)}`
  }
}

/** Tidy model output into one prompt line: first line, no repeated commas or dangling separators. */
export function cleanPrompt(text: string): string {
  return text.split('\n')[0]!.replace(/\s+/g, ' ').replace(/(,\s*)+/g, ', ').replace(/[,\s]+$/, '').trim()
}

/** Point transformers.js at a local folder only: nothing is downloaded, ever. */
async function localTransformers(modelDir: string) {
  const tf = await import('@huggingface/transformers')
  tf.env.allowRemoteModels = false
  tf.env.allowLocalModels = true
  tf.env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep
  return {tf, modelId: path.basename(path.resolve(modelDir))}
}

type Generator = (text: string, opts: Record<string, unknown>) => Promise<unknown>

/**
 * MagicPrompt-style GPT-2 (`Gustavosta/MagicPrompt-Stable-Diffusion`, ONNX export in `<dir>/onnx/`): a starter
 * phrase is continued by the model, then quality tags and a camera tag are appended.
 */
export class MagicPromptSource implements PromptSource {
  readonly name: string
  private constructor(private readonly generator: Generator & {dispose?: () => Promise<void>}, readonly maxNewTokens: number, dir: string) {
    this.name = `magicprompt:${path.basename(dir)}`
  }

  static async load(dir: string, opts: {maxNewTokens?: number; dtype?: string} = {}): Promise<MagicPromptSource> {
    const {tf, modelId} = await localTransformers(dir)
    const gen = await tf.pipeline('text-generation', modelId, {local_files_only: true, dtype: (opts.dtype ?? 'fp32') as 'fp32'})
    return new MagicPromptSource(gen as unknown as Generator, opts.maxNewTokens ?? 40, dir)
  }

  async next(rng: Rng = Math.random): Promise<string> {
    const starter = pick(rng, STARTERS)
    // transformers.js samples with its own RNG; greedy decoding keeps a seeded run repeatable.
    const out = (await this.generator(starter, {max_new_tokens: this.maxNewTokens, do_sample: false, return_full_text: true})) as Array<{generated_text: string}>
    const text = cleanPrompt(out[0]?.generated_text ?? starter)
    return `${text.startsWith(starter) ? text : starter}, ${tags(rng)}`
  }

  async dispose(): Promise<void> {
    await this.generator.dispose?.()
  }
}

/** A captioner (image-to-text, e.g. a ViT-GPT2 or BLIP ONNX export) turning a real image into a prompt. */
export class CaptionPromptSource implements PromptSource {
  readonly name: string
  private constructor(private readonly captioner: Generator & {dispose?: () => Promise<void>}, private readonly rawImage: (img: RgbImage) => unknown, dir: string) {
    this.name = `caption:${path.basename(dir)}`
  }

  static async load(dir: string): Promise<CaptionPromptSource> {
    const {tf, modelId} = await localTransformers(dir)
    const cap = await tf.pipeline('image-to-text', modelId, {local_files_only: true, dtype: 'fp32'})
    return new CaptionPromptSource(cap as unknown as Generator, (img) => new tf.RawImage(img.data, img.width, img.height, 3), dir)
  }

  async next(rng: Rng = Math.random, image?: RgbImage): Promise<string> {
    if (!image) throw new Error('the caption prompt source needs a real image to describe')
    const out = (await (this.captioner as unknown as (i: unknown, o: unknown) => Promise<unknown>)(this.rawImage(image), {max_new_tokens: 30})) as Array<{generated_text: string}>
    const caption = cleanPrompt(out[0]?.generated_text ?? '')
    if (!caption) throw new Error('captioner returned an empty caption')
    return `${caption}, ${tags(rng)}`
  }

  async dispose(): Promise<void> {
    await this.captioner.dispose?.()
  }
}

/** Open a prompt model folder by what it is for (config architectures), or templates when none is given. */
export async function openPromptSource(dir?: string): Promise<PromptSource> {
  if (!dir) return new TemplatePromptSource()
  const {readFile} = await import('node:fs/promises')
  const cfg = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as {architectures?: string[]; model_type?: string}
  const arch = (cfg.architectures ?? []).join(' ') + ' ' + (cfg.model_type ?? '')
  return /VisionEncoderDecoder|Blip|vision|Florence|Git/i.test(arch) ? CaptionPromptSource.load(dir) : MagicPromptSource.load(dir)
}
