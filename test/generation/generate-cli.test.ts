import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {decodeImage} from '../../src/image/index.js'
import {runCli} from '../helpers/cli.js'
import {writeTinyPipeline} from './tiny-onnx-models.js'

let root: string
// oclif wraps long error lines and prefixes them with ' ›'
const flat = (s: string) => s.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-gencli-'))
  await writeTinyPipeline(path.join(root, 'turbo'), {kind: 'sd', float: 'float16', timestep: 'int64',
    scheduler: {_class_name: 'EulerDiscreteScheduler', beta_schedule: 'scaled_linear', timestep_spacing: 'trailing'}})
})
afterAll(async () => {
  await fs.rm(root, {recursive: true, force: true})
})

describe('bitmind generate', () => {
  it('writes --count PNGs of --size with per-step progress and consecutive seeds', async () => {
    const out = path.join(root, 'out', 'img.png')
    const args = ['generate', '--model-dir', path.join(root, 'turbo'), '--prompt', 'a lighthouse', '--steps', '3', '--size', '40x24', '--seed', '11', '--count', '2', '--out', out]
    const r = await runCli([...args, '--json'])
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout) as Array<{file: string; seed: number; stepMs: number[]}>
    expect(res.map((x) => path.basename(x.file))).toEqual(['img-0.png', 'img-1.png'])
    expect(res.map((x) => x.seed)).toEqual([11, 12])
    expect(res[0]!.stepMs.length).toBe(3)
    expect(r.stderr).toMatch(/step 3\/3 +\d+ ms/)
    expect(r.stderr).toMatch(/wrote .*img-1.png \(40x24\)/)
    const a = await decodeImage(res[0]!.file)
    expect([a.width, a.height]).toEqual([40, 24])
    const b = await decodeImage(res[1]!.file)
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).not.toBe(0)

  })

  it('fails in one line on a bad size and on an absent execution provider', async () => {
    const bad = await runCli(['generate', '--model-dir', path.join(root, 'turbo'), '--size', '30x30'])
    expect(bad.code).toBe(1)
    expect(flat(bad.stderr)).toMatch(/multiples of 8, got 30x30/)
    const prov = await runCli(['generate', '--model-dir', path.join(root, 'turbo'), '--size', '16x16', '--provider', 'dml'])
    expect(prov.code).toBe(1)
    expect(flat(prov.stderr)).toMatch(/execution provider "dml" is not in this onnxruntime-node build/)
  })
})
