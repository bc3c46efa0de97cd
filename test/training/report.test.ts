import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import sharp from 'sharp'
import {describe, expect, it} from '@jest/globals'

import {evaluateFiles, formatEvalTable} from '../../src/training/evaluate.js'
import {resolveLabeledFiles} from '../../src/training/labeled-files.js'
import {writeReport} from '../../src/training/report.js'

/** A corpus-shaped folder with flat-colour PNGs: real ones dark, fake ones bright. */
async function makeCorpus(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-eval-'))
  const lines: string[] = []
  for (const [cls, label] of [['real', 0], ['fake', 1]] as const) {
    fs.mkdirSync(path.join(root, 'test', cls), {recursive: true})
    for (let i = 0; i < 6; i++) {
      const v = label === 1 ? 150 + 15 * i : 20 + 25 * i // real 20..145, fake 150..225
      const file = `test/${cls}/img-${i}.png`
      await sharp({create: {width: 8, height: 8, channels: 3, background: {r: v, g: v, b: v}}}).png().toFile(path.join(root, file))
      lines.push(JSON.stringify({file, split: 'test', label, package: label ? 'pkg' : `pkg-${i % 2}`, generator: label ? `gen-${i % 3}` : null}))
    }
  }
  fs.writeFileSync(path.join(root, 'manifest.jsonl'), lines.join('\n') + '\n')
  return root
}

const decode = async (bytes: Buffer) => {
  const {data, info} = await sharp(bytes).removeAlpha().raw().toBuffer({resolveWithObject: true})
  return {data: new Uint8Array(data), width: info.width, height: info.height}
}

/** A detector that calls an image fake by brightness (threshold so that one real image is misread). */
const brightness = {
  name: 'brightness',
  predict: async (imgs: {data: Uint8Array}[]) => imgs.map((im) => Math.min(1, im.data[0]! / 250)),
}

describe('eval data, table and report', () => {
  it('reads a corpus (root or split folder) with manifest sources, or labelled folders', async () => {
    const root = await makeCorpus()
    const files = resolveLabeledFiles(root, 'test')
    expect(files).toHaveLength(12)
    expect(files.filter((f) => f.label === 1).map((f) => f.source).sort()).toEqual(['gen-0', 'gen-0', 'gen-1', 'gen-1', 'gen-2', 'gen-2'])
    expect(resolveLabeledFiles(path.join(root, 'test'))).toEqual(files)
    const fakes = resolveLabeledFiles(`fake=${path.join(root, 'test', 'fake')}`)
    expect(fakes.map((f) => [f.label, f.source])).toEqual(Array(6).fill([1, 'fake']))
    expect(() => resolveLabeledFiles(path.join(root, 'nope'))).toThrow(/not a folder/)
    expect(() => resolveLabeledFiles(path.join(root, 'test', 'real'))).toThrow(/neither/)
  })

  it('evaluates, tabulates and writes an HTML report with PNG figures', async () => {
    const root = await makeCorpus()
    const r = await evaluateFiles(brightness, resolveLabeledFiles(root), {decode, batchSize: 5})
    // real brightness 20..145 → scores .08…; real 145/250 = .58 is the one real called fake
    expect(r.metrics.confusion).toEqual({tn: 5, fp: 1, fn: 0, tp: 6})
    expect(r.metrics.accuracy).toBeCloseTo(11 / 12, 12)
    expect(r.metrics.rocAuc).toBeCloseTo(1, 12)
    expect(r.bySource.map((s) => s.source)).toEqual(['gen-0', 'gen-1', 'gen-2', 'pkg-0', 'pkg-1'])
    const table = formatEvalTable(r)
    expect(table).toMatch(/accuracy\s+91\.67 %/)
    expect(table).toMatch(/pkg-1\s+3\s+real\s+66\.67 %/)
    const out = path.join(root, 'report', 'eval.html')
    const paths = await writeReport(r, out)
    const html = fs.readFileSync(paths.html, 'utf8')
    expect(html).toContain('data:image/png;base64,')
    expect(html).toContain('91.67')
    const roc = await sharp(paths.rocPng).metadata()
    expect([roc.format, roc.width! > 500]).toEqual(['png', true])
    expect((await sharp(paths.confusionPng).metadata()).format).toBe('png')
    if (process.env.KEEP_REPORT) fs.cpSync(path.join(root, 'report'), process.env.KEEP_REPORT, {recursive: true})
  })
})
