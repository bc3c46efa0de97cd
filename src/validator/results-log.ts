import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {AugmentationRecord} from '../image/levels.js'

/** One miner's answer to one challenge, as appended to the per-miner results log (one JSON object per line). */
export interface MinerResult {
  time: string
  step: number
  uid: number
  hotkey: string
  label: 0 | 1
  source: string
  prediction: number | null
  reward: number
  score: number
  statusCode: number
  latencyS: number
  /** the challenge's augmentation level (0–3) */
  level?: number
  /** the level's drawn parameters: rotation, crop, flips, distortions with their severities */
  augmentation?: AugmentationRecord
}

/** Append-only JSONL log of per-miner results; each step's lines go out in one write. */
export class ResultsLog {
  constructor(readonly file: string) {}

  async append(rows: readonly MinerResult[]): Promise<void> {
    if (rows.length === 0) return
    await fs.mkdir(path.dirname(this.file), {recursive: true})
    await fs.appendFile(this.file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  }
}

/** Read a results log back (skips a torn last line left by a crash mid-append). */
export async function readResults(file: string): Promise<MinerResult[]> {
  const text = await fs.readFile(file, 'utf8')
  const out: MinerResult[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      out.push(JSON.parse(line) as MinerResult)
    } catch {
      // a partial line from an interrupted write
    }
  }
  return out
}
