/** Score labelled files with a detector and summarise: overall metrics, per-source breakdown, ROC curve. */
import {readFile} from 'node:fs/promises'

import {computeMetrics, metricsBySource, rocCurve, type Metrics, type RocCurve, type SourceMetrics} from './metrics.js'
import type {Detector} from '../detector/detector.js'
import type {RgbImage} from '../image/types.js'
import type {LabeledFile} from './labeled-files.js'

export interface EvalResult {
  model: string
  count: number
  metrics: Metrics
  bySource: SourceMetrics[]
  roc: RocCurve
  seconds: number
  imagesPerSec: number
  /** per file: label, score, source (kept for the report and for JSON consumers) */
  predictions: {file: string; label: 0 | 1; score: number; source: string}[]
}

export interface EvalOptions {
  decode: (bytes: Buffer, name: string) => Promise<RgbImage>
  batchSize?: number
  onProgress?: (done: number, total: number) => void
}

export async function evaluateFiles(detector: Pick<Detector, 'name' | 'predict'>, files: readonly LabeledFile[], opts: EvalOptions): Promise<EvalResult> {
  if (files.length === 0) throw new Error('no images to evaluate')
  const batchSize = opts.batchSize ?? 16
  const t0 = Date.now()
  const scores: number[] = []
  for (let i = 0; i < files.length; i += batchSize) {
    const chunk = files.slice(i, i + batchSize)
    const images: RgbImage[] = []
    for (const f of chunk) images.push(await opts.decode(await readFile(f.file), f.file))
    const s = await detector.predict(images)
    if (s.length !== chunk.length) throw new Error(`detector returned ${s.length} scores for ${chunk.length} images`)
    scores.push(...s)
    opts.onProgress?.(Math.min(i + batchSize, files.length), files.length)
  }
  const labels = files.map((f) => f.label)
  const seconds = (Date.now() - t0) / 1000
  return {
    model: detector.name,
    count: files.length,
    metrics: computeMetrics(labels, scores),
    bySource: metricsBySource(labels, scores, files.map((f) => f.source)),
    roc: rocCurve(labels, scores),
    seconds,
    imagesPerSec: files.length / seconds,
    predictions: files.map((f, i) => ({file: f.file, label: f.label, score: scores[i]!, source: f.source})),
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '—' : (100 * x).toFixed(2) + ' %')
const num = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(4))

/** The metrics as aligned text rows (the `bitmind eval` table, also pasted into model cards). */
export function formatEvalTable(r: EvalResult): string {
  const m = r.metrics
  const rows: [string, string][] = [
    ['images', `${m.count} (${m.real} real, ${m.fake} fake)`],
    ['accuracy', pct(m.accuracy)],
    ['real accuracy', pct(m.realAccuracy)],
    ['fake accuracy', pct(m.fakeAccuracy)],
    ['AP', num(m.ap)],
    ['ROC AUC', num(m.rocAuc)],
    ['precision', num(m.precision)],
    ['recall', num(m.recall)],
    ['F1', num(m.f1)],
    ['confusion', `real→real ${m.confusion.tn}  real→fake ${m.confusion.fp}  fake→real ${m.confusion.fn}  fake→fake ${m.confusion.tp}`],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)
  const sw = Math.max(6, ...r.bySource.map((s) => s.source.length))
  lines.push('', `${'source'.padEnd(sw)}  ${'images'.padStart(6)}  ${'label'.padEnd(5)}  accuracy`)
  for (const s of r.bySource) {
    const label = s.real > 0 && s.fake > 0 ? 'mixed' : s.fake > 0 ? 'fake' : 'real'
    lines.push(`${s.source.padEnd(sw)}  ${String(s.count).padStart(6)}  ${label.padEnd(5)}  ${pct(s.accuracy)}`)
  }
  return lines.join('\n')
}
