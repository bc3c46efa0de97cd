import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {runCli} from '../helpers/cli.js'
import {FakeHub} from './hub-server.js'
import {imageParquet, noisePng} from './fixtures.js'

let hub: FakeHub
let dir: string
let config: string

beforeAll(async () => {
  hub = await new FakeHub().start()
  const imgs = await Promise.all([1, 2, 3, 4, 5].map((i) => noisePng(i, 16)))
  hub.repos.set('test/ds', {files: [{path: 'data/train-00000-of-00001.parquet', data: imageParquet(imgs)}]})
  dir = await mkdtemp(path.join(os.tmpdir(), 'bm-cli-'))
  config = path.join(dir, 'datasets.json')
  await writeFile(config, JSON.stringify({datasets: [{id: 'test/ds', label: 'real'}, {id: 'test/missing', label: 'synthetic'}]}))
})
afterAll(async () => {
  await hub.stop()
  await rm(dir, {recursive: true, force: true})
})

describe('bitmind download-data (built binary)', () => {
  it('downloads a registry dataset from --endpoint into --cache-dir and reports rows as JSON', async () => {
    const cache = path.join(dir, 'cache')
    const r = await runCli(['download-data', '--config', config, '--datasets', 'test/ds', '--endpoint', hub.url, '--cache-dir', cache, '--json'], {env: {HF_TOKEN: 'hf_cli'}})
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as {datasets: Array<{dataset: string; rows: number; files: Array<{verified: string}>}>}
    expect(out.datasets[0]).toMatchObject({dataset: 'test/ds', rows: 5})
    expect(out.datasets[0]!.files[0]!.verified).toBe('sha256')
    expect(existsSync(path.join(cache, 'datasets', 'test', 'ds', 'data', 'train-00000-of-00001.parquet'))).toBe(true)
    expect(hub.log.some((l) => l.auth === 'Bearer hf_cli')).toBe(true)
    // not a terminal: plain progress lines, the last one complete, no count past its total
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('[1/1 test/ds]'))
    expect(lines.length).toBeGreaterThan(0)
    expect(r.stderr).not.toMatch(/\r|\u001b/)
    expect(lines.at(-1)).toMatch(/\] 100% (\S+ \S+)\/\1, /)
  })

  it('fails with one clear line for a dataset the hub does not have', async () => {
    const r = await runCli(['download-data', '--config', config, '--datasets', 'missing', '--endpoint', hub.url, '--cache-dir', path.join(dir, 'c2'), '--retries', '0'])
    expect(r.code).toBe(1)
    const msg = r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
    expect(msg).toMatch(/test\/missing: dataset test\/missing not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404 RepoNotFound\)/)
    expect(msg).toMatch(/HF_TOKEN/)
  })
})
