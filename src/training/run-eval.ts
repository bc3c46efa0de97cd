/** What `bitmind eval` does: resolve the data, load the detector, score, summarise, optionally write a report. */
import path from 'node:path'

import {DEFAULT_MODEL_PATH} from '../config/paths.js'
import {loadDetector} from '../detector/index.js'
import {createRng} from '../config/random.js'
import {augmentChoice, decodeImage, encodeJpeg, type LevelChoice, type RgbImage} from '../image/index.js'
import {evaluateFiles, type EvalResult} from './evaluate.js'
import {resolveLabeledFiles, type LabeledFile} from './labeled-files.js'
import {writeReport} from './report.js'

export interface EvalRunOptions {
  model?: string
  data: string[]
  split?: string
  batchSize?: number
  backend?: string
  report?: string
  maxPerClass?: number
  /** score each image as a validator would send it: one seeded challenge per file (augmentation to `size`, JPEG) */
  challenge?: {size: number; quality: number; seed: number; level?: LevelChoice}
  onProgress?: (done: number, total: number) => void
}

function capPerClass(files: LabeledFile[], max?: number): LabeledFile[] {
  if (!max) return files
  const out: LabeledFile[] = []
  for (const label of [0, 1] as const) {
    const of = files.filter((f) => f.label === label)
    const n = Math.min(max, of.length)
    for (let k = 0; k < n; k++) out.push(of[Math.floor((k * of.length) / n)]!)
  }
  return out
}

export async function runEval(opts: EvalRunOptions): Promise<EvalResult & {report?: {html: string; rocPng: string; confusionPng: string}}> {
  if (opts.data.length === 0) throw new Error('give at least one data folder (a corpus, a split folder, or real=<dir> / fake=<dir>)')
  const files = capPerClass(opts.data.flatMap((d) => resolveLabeledFiles(d, opts.split ?? 'test')), opts.maxPerClass)
  if (files.length === 0) throw new Error(`no images found in ${opts.data.join(', ')}`)
  const modelPath = opts.model ?? DEFAULT_MODEL_PATH
  const detector = await loadDetector(modelPath, {backend: opts.backend})
  try {
    const result = await evaluateFiles(detector, files, {
      decode: async (bytes, name) => {
        const img = await decodeImage(bytes, {name})
        return opts.challenge ? asChallenge(img, path.basename(name), opts.challenge) : img
      },
      batchSize: opts.batchSize,
      onProgress: opts.onProgress,
    })
    result.model = modelPath
    if (!opts.report) return result
    return {...result, report: await writeReport(result, opts.report, `bitmind eval — ${path.basename(modelPath)}`)}
  } finally {
    await detector.dispose()
  }
}


/** The file's challenge: the augmentation's rng is seeded by the run's seed and the file name, so reruns agree. */
async function asChallenge(img: RgbImage, name: string, c: {size: number; quality: number; seed: number; level?: LevelChoice}): Promise<RgbImage> {
  let h = 0x811c9dc5 ^ c.seed
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  const {image} = await augmentChoice(img, c.level ?? 1, createRng(h >>> 0), c.size)
  return decodeImage(await encodeJpeg(image, c.quality), {name})
}
