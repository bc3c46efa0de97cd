import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {runCli} from '../helpers/cli.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-demo-cli-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

describe('bitmind demo on a terminal', () => {
  it('prints one readable line per step and the table; the structured log goes to --log-file; --json prints the result', async () => {
    const logFile = path.join(tmp, 'demo.log')
    const jsonLog = path.join(tmp, 'json.log')
    const [text, json] = await Promise.all([
      runCli(['demo', '--steps', '3', '--log-file', logFile], {timeoutMs: 170_000}),
      runCli(['demo', '--steps', '2', '--log-file', jsonLog, '--json'], {timeoutMs: 170_000}),
    ])
    expect(text.code).toBe(0)
    expect(text.stderr).toBe('')
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(`bitmind demo: a local devnet, one validator and three miners on 127.0.0.1 (reward binary, transport synapse); log: ${logFile}`)
    const steps = lines.filter((l) => /^step\s+\d+\s/.test(l))
    expect(steps.map((l) => Number(/^step\s+(\d+)/.exec(l)![1]))).toEqual([0, 1, 2])
    for (const l of steps) expect(l).toMatch(/^step\s+\d+\s+(real|fake) \(\S+\)\s+accuracy \d\.\d\d\s+(uid\d:(\d\.\d\d|-) ?){3}/)
    expect(text.stdout).toMatch(/^uid\s+miner\s+accuracy\s+score\s+weight\s+incentive$/m)
    expect(lines.at(-1)).toMatch(/^validator uid \d+; weights on chain \(uid, u16\): \[\[.*\]\]; block \d+; [\d.]+ s$/)
    // nothing but the header, the steps, the table (header, rule, 3 miners) and the summary, with two blank lines
    expect(lines).toHaveLength(1 + 3 + 1 + 5 + 1 + 1)

    const events = (await fs.readFile(logFile, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as {msg: string; level: string; step?: number})
    expect(events.filter((e) => e.msg === 'step').map((e) => e.step)).toEqual([0, 1, 2])
    expect(events.map((e) => e.msg)).toEqual(expect.arrayContaining(['devnet up', 'miner serving', 'final weights']))

    expect(json.code).toBe(0)
    expect(json.stderr).toBe('')
    const result = JSON.parse(json.stdout) as {rows: {name: string; answered: number}[]; logFile: string}
    expect(result.logFile).toBe(jsonLog)
    expect(result.rows.map((r) => [r.name, r.answered])).toEqual([['shipped NPR', 2], ['untrained NPR', 2], ['always 0.5', 2]])
  }, 180_000)
})
