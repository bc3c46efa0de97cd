import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {readResults, repairResults} from '../../src/validator/results-log.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-repair-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

const row = (step: number, uid: number) => JSON.stringify({step, uid, reward: 1})

describe('results.jsonl repair after a crash', () => {
  it('cuts a torn last line and the rows of steps from the unsaved one on; keeps the rest byte for byte', async () => {
    const file = path.join(tmp, 'results.jsonl')
    const kept = [row(0, 1), row(0, 2), row(1, 1), row(1, 2)].join('\n') + '\n'
    await fs.writeFile(file, kept + [row(2, 1), row(2, 2)].join('\n') + '\n' + '{"step":2,"uid":3,"rew')
    expect(await repairResults(file, 2)).toBe(3)
    expect(await fs.readFile(file, 'utf8')).toBe(kept)
    // nothing more to cut: idempotent
    expect(await repairResults(file, 2)).toBe(0)
    expect((await readResults(file)).map((r) => r.step)).toEqual([0, 0, 1, 1])
  })

  it('without a saved state only a torn line goes; a missing file is no error', async () => {
    const file = path.join(tmp, 'fresh.jsonl')
    await fs.writeFile(file, row(0, 1) + '\n' + '{"st')
    expect(await repairResults(file)).toBe(1)
    expect(await fs.readFile(file, 'utf8')).toBe(row(0, 1) + '\n')
    expect(await repairResults(path.join(tmp, 'none.jsonl'), 3)).toBe(0)
  })
})
