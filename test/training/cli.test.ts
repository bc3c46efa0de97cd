import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import sharp from 'sharp'
import {beforeAll, describe, expect, it} from '@jest/globals'

import {resolveBackend} from '../../src/runtime/tfjs-backend.js'
import {NprNet} from '../../src/detector/npr.js'
import {exportNprOnnx} from '../../src/detector/onnx-export.js'
import {computeMetrics} from '../../src/training/metrics.js'
import {runCli} from '../helpers/cli.js'

/** real: smooth noise; fake: half-size noise upsampled ×2 nearest. Corpus layout with a manifest. */
async function makeCorpus(root: string, n: number, size = 32): Promise<void> {
  let seed = 7
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const lines: string[] = []
  for (const split of ['train', 'val', 'test']) {
    for (const [cls, label] of [['real', 0], ['fake', 1]] as const) {
      fs.mkdirSync(path.join(root, split, cls), {recursive: true})
      for (let i = 0; i < n; i++) {
        const s = label ? size / 2 : size
        const small = Uint8Array.from({length: s * s * 3}, () => Math.floor(rnd() * 256))
        const file = `${split}/${cls}/${i}.png`
        await sharp(Buffer.from(small), {raw: {width: s, height: s, channels: 3}}).resize(size, size, {kernel: 'nearest'}).png().toFile(path.join(root, file))
        lines.push(JSON.stringify({file, split, label, package: 'noise', generator: label ? `nearest-x2-${i % 2}` : null}))
      }
    }
  }
  fs.writeFileSync(path.join(root, 'manifest.jsonl'), lines.join('\n') + '\n')
}

describe('bitmind train / eval (built binary)', () => {
  let root: string
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-cli-train-'))
    await makeCorpus(path.join(root, 'corpus'), 6)
  })

  it('eval prints JSON metrics consistent with its predictions and writes a report', async () => {
    const model = path.join(root, 'random.onnx')
    await resolveBackend() // wasm, as the CLI picks it (and quiet: the cpu backend's banner is for unresolved tfjs)
    await exportNprOnnx(new NprNet({seed: 1}).stateDict(), model, {inputSize: 32})
    const report = path.join(root, 'out', 'report.html')
    const r = await runCli(['eval', '--model', model, path.join(root, 'corpus'), '--split', 'val', '--report', report, '--json'])
    expect(r.stderr).not.toMatch(/Error:/)
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.count).toBe(12)
    const {tn, fp, fn, tp} = j.metrics.confusion
    expect([tn + fp, fn + tp]).toEqual([6, 6])
    const again = computeMetrics(j.predictions.map((p: {label: number}) => p.label), j.predictions.map((p: {score: number}) => p.score))
    expect(j.metrics.accuracy).toBeCloseTo(again.accuracy, 12)
    expect(j.metrics.ap).toBeCloseTo(again.ap, 12)
    expect(j.bySource.map((s: {source: string}) => s.source)).toEqual(['nearest-x2-0', 'nearest-x2-1', 'noise'])
    expect(fs.existsSync(report) && fs.existsSync(path.join(root, 'out', 'report.roc.png'))).toBe(true)

    const bad = await runCli(['eval', '--model', model, path.join(root, 'nowhere')])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/is not a folder/)
  })

  it('eval --challenge scores seeded validator-style challenges: reruns agree, another seed or plain eval differ', async () => {
    const model = path.join(root, 'random-ch.onnx')
    await exportNprOnnx(new NprNet({seed: 2}).stateDict(), model, {inputSize: 32})
    const scores = async (...extra: string[]) => {
      const r = await runCli(['eval', '--model', model, path.join(root, 'corpus'), '--split', 'val', '--json', ...extra])
      expect(r.code).toBe(0)
      return (JSON.parse(r.stdout).predictions as {score: number}[]).map((p) => p.score)
    }
    const a = await scores('--challenge', '--challenge-size', '32', '--seed', '1')
    expect(a).toHaveLength(12)
    expect(await scores('--challenge', '--challenge-size', '32', '--seed', '1')).toEqual(a)
    expect(await scores('--challenge', '--challenge-size', '32', '--seed', '2')).not.toEqual(a)
    expect(await scores()).not.toEqual(a)
    // without --json: progress on stderr, plain lines (not a terminal), the last one complete
    const plain = await runCli(['eval', '--model', model, path.join(root, 'corpus'), '--split', 'val'])
    expect(plain.code).toBe(0)
    expect(plain.stderr).not.toMatch(/\r|\u001b/)
    expect(plain.stderr.split('\n').filter((l) => l.startsWith('scored ')).at(-1)).toMatch(/\] 100% 12\/12 images, /)
  })

  it('eval --challenge --level N scores the validator level-N challenges: level 1 is the default, others differ', async () => {
    const model = path.join(root, 'random-lv.onnx')
    await exportNprOnnx(new NprNet({seed: 2}).stateDict(), model, {inputSize: 32})
    const scores = async (...extra: string[]) => {
      const r = await runCli(['eval', '--model', model, path.join(root, 'corpus'), '--split', 'val', '--json', '--challenge', '--challenge-size', '32', '--seed', '1', ...extra])
      expect(r.code).toBe(0)
      return (JSON.parse(r.stdout).predictions as {score: number}[]).map((p) => p.score)
    }
    const dflt = await scores()
    expect(await scores('--level', '1')).toEqual(dflt)
    const l3 = await scores('--level', '3')
    expect(l3).not.toEqual(dflt)
    expect(await scores('--level', '3')).toEqual(l3)
    const bad = await runCli(['eval', '--model', model, path.join(root, 'corpus'), '--level', '2'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--level sets the augmentation of --challenge images/)
    const badTrain = await runCli(['train', '--corpus', path.join(root, 'corpus'), '--level', '2'])
    expect(badTrain.code).toBe(1)
    expect(badTrain.stderr).toMatch(/--level sets the augmentation of --challenge images/)
    const train = await runCli(['train', '--corpus', path.join(root, 'corpus'), '--checkpoints-dir', path.join(root, 'ckpt'), '--experiment', 'lv3',
      '--epochs', '1', '--size', '32', '--batch-size', '6', '--challenge', '--level', '3', '--backend', 'wasm', '--json'], {timeoutMs: 120_000})
    expect(train.code).toBe(0)
    expect(JSON.parse(fs.readFileSync(path.join(root, 'ckpt', 'lv3', 'config.json'), 'utf8'))).toMatchObject({challengeQuality: 75, challengeLevel: 3})
  }, 180_000)

  it('train runs an epoch on a corpus and writes checkpoints, ONNX and events', async () => {
    const r = await runCli(['train', '--corpus', path.join(root, 'corpus'), '--checkpoints-dir', path.join(root, 'ckpt'), '--experiment', 'cli',
      '--epochs', '1', '--size', '32', '--batch-size', '6', '--train-crop', '16', '--crop-align', '8', '--lr', '1e-3', '--backend', 'wasm', '--json'], {timeoutMs: 120_000})
    expect(r.stderr).not.toMatch(/Error:/)
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.status).toBe('finished')
    expect(j.test.count).toBe(12)
    const out = path.join(root, 'ckpt', 'cli')
    for (const f of ['config.json', 'metrics.json', 'model_epoch_best/model.json', 'model_epoch_best.onnx', 'model_epoch_last.onnx', 'resume/state.json']) {
      expect(fs.existsSync(path.join(out, f))).toBe(true)
    }
    expect(fs.readdirSync(path.join(out, 'events')).some((f) => f.startsWith('events.out.tfevents.'))).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject({trainCrop: 16, cropAlign: 8, lr: 0.001, batchSize: 6})

    // --resume alone continues the run: same data (data.json), same recipe, one more epoch
    const r2 = await runCli(['train', '--resume', out, '--epochs', '2', '--backend', 'wasm', '--json'], {timeoutMs: 120_000})
    expect(r2.code).toBe(0)
    const j2 = JSON.parse(r2.stdout)
    expect(j2.history.map((h: {epoch: number}) => h.epoch)).toEqual([1, 2])
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject({trainCrop: 16, epochs: 2})
  }, 150_000)
})
