import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {ResultsLog, readResults} from '../../src/validator/results-log.js'
import {STATE_FILE_NAME, loadState, saveState} from '../../src/validator/state.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-vstate-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

describe('validator state', () => {
  it('round-trips step, scores and hotkeys; NaN saved as 0', async () => {
    const dir = path.join(tmp, 'a')
    expect(await loadState(dir)).toBeUndefined()
    await saveState(dir, {step: 7, scores: [0.1, NaN, 0.3], hotkeys: ['x', 'y', 'z']})
    expect(await loadState(dir)).toEqual({step: 7, scores: [0.1, 0, 0.3], hotkeys: ['x', 'y', 'z']})
    await saveState(dir, {step: 8, scores: [0.2], hotkeys: ['x']})
    expect((await loadState(dir))?.step).toBe(8)
    expect((await fs.readdir(dir)).filter((f) => f !== STATE_FILE_NAME)).toEqual([])
  })
  it('round-trips per-miner answer histories; states without them still load', async () => {
    const dir = path.join(tmp, 'h')
    const histories = [[], [{label: 1 as const, prediction: 0.9}, {label: 0 as const, prediction: null}], [{label: 0 as const, prediction: 0}]]
    await saveState(dir, {step: 3, scores: [0, 0.5, 0.1], hotkeys: ['x', 'y', 'z'], histories})
    expect(await loadState(dir)).toEqual({step: 3, scores: [0, 0.5, 0.1], hotkeys: ['x', 'y', 'z'], histories})
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, STATE_FILE_NAME), 'utf8'))
    expect(onDisk.histories[1]).toEqual([[1, 0.9], [0, null]])
    await saveState(dir, {step: 4, scores: [0.2], hotkeys: ['x']})
    expect((await loadState(dir))?.histories).toBeUndefined()
    await expect(saveState(dir, {step: 4, scores: [0.2], hotkeys: ['x'], histories: []})).rejects.toThrow(/0 answer histories but 1 hotkeys/)
    await fs.writeFile(path.join(dir, STATE_FILE_NAME), JSON.stringify({...onDisk, histories: [[[1, 0.9]]]}))
    await expect(loadState(dir)).rejects.toThrow(/1 answer histories but 3 hotkeys/)
    await fs.writeFile(path.join(dir, STATE_FILE_NAME), JSON.stringify({...onDisk, histories: [[], [[2, 0.9]], []]}))
    await expect(loadState(dir)).rejects.toThrow(/state\.json is unreadable/)
  })
  it('refuses a corrupt state file with its name instead of resetting', async () => {
    const dir = path.join(tmp, 'b')
    await fs.mkdir(dir)
    await fs.writeFile(path.join(dir, STATE_FILE_NAME), '{"version":1,"step":')
    await expect(loadState(dir)).rejects.toThrow(/state\.json is unreadable/)
  })
  it('appends per-miner results as JSONL and tolerates a torn last line', async () => {
    const file = path.join(tmp, 'c', 'results.jsonl')
    const log = new ResultsLog(file)
    const row = {time: 't', step: 1, uid: 2, hotkey: 'h', label: 1 as const, source: 's', prediction: 0.7, reward: 1, score: 0.1, statusCode: 200, latencyS: 0.01}
    await log.append([row, {...row, uid: 3}])
    await fs.appendFile(file, '{"time":"t","st')
    const back = await readResults(file)
    expect(back.map((r) => r.uid)).toEqual([2, 3])
  })
})
