import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

import {describe, expect, it} from '@jest/globals'

import {runCli} from '../helpers/cli.js'
import {PARITY_DIR, PARITY_PTH, type ParityCase} from '../detector/fixtures.js'

const cases = (JSON.parse(readFileSync(path.join(PARITY_DIR, 'expected.json'), 'utf8')) as {cases: ParityCase[]}).cases
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-predict-'))

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(td))
  return Buffer.concat([len, td, crc])
}

describe('bitmind predict', () => {
  it.each(['tfjs', 'onnx'])('matches PyTorch within 1e-4 through the %s engine (--model npr-random.pth --json)', async (engine) => {
    const files = cases.map((c) => path.join(PARITY_DIR, c.image))
    const r = await runCli(['predict', '--model', PARITY_PTH, '--engine', engine, '--batch-size', '1', '--json', ...files], {timeoutMs: 120_000})
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as Array<{file: string; probability: number; verdict: string}>
    expect(out).toHaveLength(cases.length)
    out.forEach((o, i) => {
      expect(o.file).toBe(files[i])
      expect(Math.abs(o.probability - cases[i]!.probability)).toBeLessThan(1e-4)
      expect(o.verdict).toBe(cases[i]!.probability > 0.5 ? 'fake' : 'real')
    })
    expect(r.stderr).toContain(engine === 'onnx' ? 'onnxruntime' : 'tfjs')
  })

  it('reports unreadable files on one line each, skips them, scores the rest and exits 1', async () => {
    const dir = path.join(tmp, 'mixed')
    const {mkdirSync, copyFileSync} = await import('node:fs')
    mkdirSync(path.join(dir, 'sub'), {recursive: true})
    copyFileSync(path.join(PARITY_DIR, 'img0.png'), path.join(dir, 'sub', 'good.png'))
    const png = readFileSync(path.join(PARITY_DIR, 'img1.png'))
    writeFileSync(path.join(dir, 'corrupt.png'), png.subarray(0, 2000))
    writeFileSync(path.join(dir, 'text.png'), 'just some text, renamed\n')
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(30000, 0)
    ihdr.writeUInt32BE(30000, 4)
    ihdr.set([8, 2, 0, 0, 0], 8)
    writeFileSync(path.join(dir, 'huge.png'), Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IEND', Buffer.alloc(0)),
    ]))
    writeFileSync(path.join(dir, 'readme.txt'), 'not collected: not an image extension')

    const r = await runCli(['predict', '--model', PARITY_PTH, '--engine', 'onnx', dir], {timeoutMs: 60_000})
    expect(r.code).toBe(1)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    // img0's probability as PyTorch computed it (expected.json), printed to 4 decimals
    const p0 = cases.find((c) => c.image === 'img0.png')!.probability
    expect(lines[0]).toBe(`${path.join(dir, 'sub', 'good.png')}\t${p0.toFixed(4)}\t${p0 > 0.5 ? 'fake' : 'real'}`)
    for (const bad of ['corrupt.png', 'text.png', 'huge.png']) {
      const errLines = r.stderr.split('\n').filter((l) => l.includes(path.join(dir, bad)))
      expect(errLines).toHaveLength(1)
      expect(errLines[0]).toMatch(/^error: /)
    }
    expect(r.stderr).toMatch(/huge\.png: image is larger than the pixel limit/)
    expect(r.stderr).toMatch(/text\.png: not an image/)
    expect(r.stderr).toContain('3 of 4 files could not be read')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('explains a missing model, and has help', async () => {
    const missing = path.join(tmp, 'nope.onnx')
    const r = await runCli(['predict', '--model', missing, path.join(PARITY_DIR, 'img0.png')])
    expect(r.code).toBe(1)
    expect(r.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/no model at .*nope\.onnx: pass --model .* or run `bitmind train`/)
    const h = await runCli(['predict', '--help'])
    expect(h.code).toBe(0)
    expect(h.stdout).toMatch(/--batch-size/)
    expect(h.stdout).toMatch(/--engine/)
  })
})
