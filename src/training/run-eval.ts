/** What `bitmind eval` does: resolve the data, load the detector, score, summarise, optionally write a report. */
import path from 'node:path'

import {DEFAULT_MODEL_PATH} from '../config/paths.js'
import {loadDetector} from '../detector/index.js'
import {decodeImage} from '../image/index.js'
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
      decode: (bytes, name) => decodeImage(bytes, {name}),
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

