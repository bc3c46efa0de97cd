import {promises as fs} from 'node:fs'
import path from 'node:path'

import writeFileAtomic from 'write-file-atomic'
import {z} from 'zod'

import type {Answer} from './rewards.js'

/** What the validator keeps between runs (the Python validator's state.npz: step, scores, hotkeys). */
export interface ValidatorState {
  step: number
  scores: number[]
  hotkeys: string[]
  /** per uid, its last answers (rewards.ts); absent in states written before reward modes existed */
  histories?: Answer[][]
}

const StateFile = z.object({
  version: z.literal(1),
  step: z.number().int().nonnegative(),
  scores: z.array(z.number().nullable()),
  hotkeys: z.array(z.string()),
  // per uid: [label, prediction or null] pairs, oldest first
  histories: z.array(z.array(z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().min(0).max(1).nullable()]))).optional(),
})

export const STATE_FILE_NAME = 'state.json'

/** Write the whole state to a temp file, fsync, rename: a crash leaves either the old or the new state, never half. */
export async function saveState(dir: string, state: ValidatorState): Promise<void> {
  if (state.scores.length !== state.hotkeys.length) {
    throw new Error(`state has ${state.scores.length} scores but ${state.hotkeys.length} hotkeys`)
  }
  if (state.histories && state.histories.length !== state.hotkeys.length) {
    throw new Error(`state has ${state.histories.length} answer histories but ${state.hotkeys.length} hotkeys`)
  }
  await fs.mkdir(dir, {recursive: true})
  const body = JSON.stringify({
    version: 1,
    step: state.step,
    scores: state.scores.map((s) => (Number.isFinite(s) ? s : 0)),
    hotkeys: state.hotkeys,
    ...(state.histories && {histories: state.histories.map((h) => h.map((a) => [a.label, a.prediction]))}),
  })
  await writeFileAtomic(path.join(dir, STATE_FILE_NAME), body + '\n', {fsync: true})
}

/** The saved state, or undefined when none exists. A corrupt file is an error naming it (never silently reset). */
export async function loadState(dir: string): Promise<ValidatorState | undefined> {
  const file = path.join(dir, STATE_FILE_NAME)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let parsed: z.infer<typeof StateFile>
  try {
    parsed = StateFile.parse(JSON.parse(text))
  } catch (err) {
    throw new Error(`validator state ${file} is unreadable (${(err as Error).message.split('\n')[0]}); move it away to start fresh`)
  }
  if (parsed.scores.length !== parsed.hotkeys.length) {
    throw new Error(`validator state ${file} has ${parsed.scores.length} scores but ${parsed.hotkeys.length} hotkeys`)
  }
  if (parsed.histories && parsed.histories.length !== parsed.hotkeys.length) {
    throw new Error(`validator state ${file} has ${parsed.histories.length} answer histories but ${parsed.hotkeys.length} hotkeys`)
  }
  const state: ValidatorState = {step: parsed.step, scores: parsed.scores.map((s) => s ?? 0), hotkeys: parsed.hotkeys}
  if (parsed.histories) state.histories = parsed.histories.map((h) => h.map(([label, prediction]) => ({label, prediction})))
  return state
}
