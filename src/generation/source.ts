import type {RgbImage} from '../image/index.js'

/** What a synthetic source is asked for; each source uses what applies to it (diffusion: prompt/steps; ESRGAN: baseImage). */
export interface GenerateOptions {
  prompt?: string
  negativePrompt?: string
  seed?: number
  width?: number
  height?: number
  steps?: number
  guidanceScale?: number
  baseImage?: RgbImage
  onStep?: (step: number, total: number) => void
}

export interface GeneratedImage {
  image: RgbImage
  meta: {source: string; width: number; height: number; model?: string; prompt?: string; seed?: number; steps?: number; [k: string]: unknown}
}

/** Anything that makes AI-generated images for challenges and training data. */
export interface SyntheticSource {
  readonly name: string
  generate(opts: GenerateOptions): Promise<GeneratedImage>
  dispose?(): Promise<void>
}

/** Where prompts come from: a text-generation model, a captioner, or templates. */
export interface PromptSource {
  readonly name: string
  next(rng?: () => number, image?: RgbImage): Promise<string>
  dispose?(): Promise<void>
}
