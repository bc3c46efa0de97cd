import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import sharp from 'sharp'
import {describe, expect, it} from '@jest/globals'

import {concatPools, holdOut, openTrainingPools} from '../../src/training/data.js'
import type {TrainingPool} from '../../src/training/samples.js'

const fakePool = (name: string, n: number): TrainingPool => ({
  name, size: n, get: async (i) => ({bytes: Buffer.from(`${name}:${i}`), source: name, index: i}),
})

describe('training data assembly', () => {
  it('concatenates pools in order and holds out every k-th image', async () => {
    const c = concatPools('all', [fakePool('a', 2), fakePool('b', 3)])
    expect(c.size).toBe(5)
    expect((await c.get(3)).bytes.toString()).toBe('b:1')
    await expect(c.get(5)).rejects.toThrow(/out of range/)
    const {train, val} = holdOut(c, 0.2)
    expect([train.size, val.size]).toEqual([4, 1])
    expect((await val.get(0)).bytes.toString()).toBe('b:2')
    expect((await train.get(3)).bytes.toString()).toBe('b:1')
  })

  it('opens image folders as train/val pools and refuses a class-less setup', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-data-'))
    for (const cls of ['r', 'f']) {
      fs.mkdirSync(path.join(root, cls))
      for (let i = 0; i < 10; i++) await sharp({create: {width: 4, height: 4, channels: 3, background: '#888'}}).png().toFile(path.join(root, cls, `${i}.png`))
    }
    const pools = await openTrainingPools({real: [path.join(root, 'r')], fake: [path.join(root, 'f')], valFraction: 0.1})
    expect([pools.train.real.size, pools.train.fake.size, pools.val?.real.size, pools.val?.fake.size]).toEqual([9, 9, 1, 1])
    await expect(openTrainingPools({real: [path.join(root, 'r')]})).rejects.toThrow(/real and fake/)
  })
})
