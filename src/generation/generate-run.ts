import {promises as fs} from 'node:fs'
import path from 'node:path'

import {createRng, randomSeed} from '../config/random.js'
import {encodePng} from '../image/index.js'
import {ImageSizeError} from './errors.js'
import {OnnxDiffusionPipeline} from './onnx-diffusion.js'
import {openPromptSource} from './prompts.js'
import type {SchedulerName} from './schedulers/index.js'

export interface GenerateRunOptions {
  modelDir: string
  prompt?: string
  promptModel?: string
  steps: number
  width: number
  height: number
  seed?: number
  guidanceScale?: number
  count: number
  out: string
  provider?: string
  scheduler?: SchedulerName
  log: (line: string) => void
}

export interface GenerateRunResult {
  file: string
  prompt: string
  seed: number
  steps: number
  width: number
  height: number
  stepMs: number[]
  totalMs: number
}

/** `out` for image k of `count`: img.png → img-0.png, img-1.png … when more than one. */
export function outputPath(out: string, k: number, count: number): string {
  if (count === 1) return out
  const ext = path.extname(out) || '.png'
  return `${out.slice(0, out.length - path.extname(out).length)}-${k}${ext}`
}

/** Parse `512x512` (or `512`); `field` names the setting in errors. */
export function parseSize(size: string, field = 'size'): {width: number; height: number} {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(size.trim())
  if (!m) throw new ImageSizeError(field, 'must look like 512x512', `"${size}"`)
  const width = Number(m[1])
  const height = Number(m[2] ?? m[1])
  if (width % 8 || height % 8 || width === 0 || height === 0) throw new ImageSizeError(field, 'must be positive multiples of 8', `${width}x${height}`)
  return {width, height}
}

/** What `bitmind generate` does: load once, make `count` images with consecutive seeds, log per-step timings. */
export async function generateImages(o: GenerateRunOptions): Promise<GenerateRunResult[]> {
  const t0 = performance.now()
  const pipe = await OnnxDiffusionPipeline.load(o.modelDir, {provider: o.provider, scheduler: o.scheduler})
  const prompts = o.prompt === undefined ? await openPromptSource(o.promptModel) : undefined
  o.log(`loaded ${pipe.name} (${pipe.kind}${pipe.guidanceEmbedded ? ', guidance embedding' : ''}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const base = o.seed ?? randomSeed()
  const results: GenerateRunResult[] = []
  try {
    await fs.mkdir(path.dirname(path.resolve(o.out)), {recursive: true})
    for (let k = 0; k < o.count; k++) {
      const seed = (base + k) >>> 0
      const prompt = o.prompt ?? (await prompts!.next(createRng(seed)))
      const started = performance.now()
      let last = started
      const stepMs: number[] = []
      o.log(`[${k + 1}/${o.count}] seed ${seed}: ${prompt}`)
      const res = await pipe.generate({prompt, seed, steps: o.steps, width: o.width, height: o.height, guidanceScale: o.guidanceScale,
        onStep: (i, n) => {
          const now = performance.now()
          stepMs.push(now - last)
          last = now
          o.log(`  step ${i}/${n}  ${stepMs[stepMs.length - 1]!.toFixed(0)} ms`)
        }})
      const file = outputPath(o.out, k, o.count)
      await fs.writeFile(file, await encodePng(res.image))
      const totalMs = performance.now() - started
      o.log(`  wrote ${file} (${o.width}x${o.height}) in ${(totalMs / 1000).toFixed(2)} s`)
      results.push({file, prompt, seed, steps: o.steps, width: o.width, height: o.height, stepMs, totalMs})
    }
  } finally {
    await pipe.dispose()
    await prompts?.dispose?.()
  }
  return results
}
