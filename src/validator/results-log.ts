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

/** How much of the log's end `repairResults` looks at: a step's rows are far less than this. */
const REPAIR_TAIL_BYTES = 4 * 1024 * 1024

/**
 * After a crash: cut a torn last line, and (with `fromStep`) the rows of steps from `fromStep` on, whose state was
 * never saved and which the resumed validator runs again. Returns how many lines were cut. Only the file's tail is read.
 */
export async function repairResults(file: string, fromStep?: number): Promise<number> {
  let fh: fs.FileHandle
  try {
    fh = await fs.open(file, 'r+')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  try {
    const size = (await fh.stat()).size
    const start = Math.max(0, size - REPAIR_TAIL_BYTES)
    const buf = Buffer.alloc(size - start)
    await fh.read(buf, 0, buf.length, start)
    let end = buf.length
    let cut = 0
    // a torn write leaves bytes after the last newline
    const lastNl = buf.lastIndexOf(0x0a, end - 1)
    if (lastNl !== end - 1) {
      end = lastNl + 1
      cut++
    }
    while (end > 0 && fromStep !== undefined) {
      const prevNl = buf.lastIndexOf(0x0a, end - 2)
      if (prevNl < 0 && start > 0) break
      const line = buf.subarray(prevNl + 1, end - 1).toString('utf8')
      let step: unknown
      try {
        step = (JSON.parse(line) as {step?: unknown}).step
      } catch {
        step = undefined
      }
      if (typeof step === 'number' && step < fromStep) break
      end = prevNl + 1
      cut++
    }
    if (start + end < size) await fh.truncate(start + end)
    return cut
  } finally {
    await fh.close()
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
