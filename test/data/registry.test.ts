import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {DEFAULT_DATASETS, labelNumber, loadRegistry, selectDatasets} from '../../src/data/registry.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bm-reg-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('dataset registry', () => {
  it('has the BitMind defaults with labels', () => {
    expect(DEFAULT_DATASETS.filter((d) => d.label === 'real').map((d) => d.id)).toEqual(['bitmind/open-images-v7', 'bitmind/ffhq-256', 'bitmind/celeb-a-hq'])
    expect(DEFAULT_DATASETS.filter((d) => d.label === 'synthetic').map((d) => d.id)).toEqual(['bitmind/realvis-xl', 'bitmind/stable-diffusion-xl'])
    expect(labelNumber({label: 'synthetic'})).toBe(1)
  })

  it('adds and overrides entries from a user file, filling defaults', async () => {
    const f = path.join(dir, 'datasets.json')
    await writeFile(f, JSON.stringify({datasets: [{id: 'me/photos', label: 'real'}, {id: 'bitmind/ffhq-256', label: 'real', split: 'validation'}]}))
    const reg = await loadRegistry(f)
    expect(reg).toHaveLength(6)
    expect(reg.find((d) => d.id === 'me/photos')).toMatchObject({split: 'train', imageColumn: 'image', revision: 'main'})
    expect(reg.find((d) => d.id === 'bitmind/ffhq-256')!.split).toBe('validation')
    expect(selectDatasets(reg, ['photos', 'bitmind/celeb-a-hq']).map((d) => d.id)).toEqual(['me/photos', 'bitmind/celeb-a-hq'])
    expect(() => selectDatasets(reg, ['nope'])).toThrow(/unknown dataset "nope"/)
  })

  it('names the file and the field of a bad config', async () => {
    const f = path.join(dir, 'bad.json')
    await writeFile(f, JSON.stringify({datasets: [{id: 'no-slash', label: 'real'}]}))
    await expect(loadRegistry(f)).rejects.toThrow(/bad\.json: datasets\.0\.id: expected owner\/name/)
    await expect(loadRegistry(path.join(dir, 'missing.json'))).rejects.toThrow(/cannot read dataset config/)
  })
})
