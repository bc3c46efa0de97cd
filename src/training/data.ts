/**
 * Training data from what a person points `bitmind train` at: the offline corpus (its own train/val/test
 * splits), folders of real and of fake images, or downloaded registry datasets (docs/ARCHITECTURE.md § Data). Folders and datasets have no
 * splits, so a deterministic share of each pool (every k-th image) is held out for validation.
 */
import {openCorpusSplit} from '../data/corpus.js'
import {openDatasetPool} from '../data/dataset-pool.js'
import {FolderPool} from '../data/folder-pool.js'
import {labelNumber, loadRegistry, selectDatasets} from '../data/registry.js'
import {TrainingDataError} from './errors.js'
import type {LabeledPools, TrainingPool} from './samples.js'

export interface TrainingPools {
  train: LabeledPools
  val?: LabeledPools
  test?: LabeledPools
  describe: string
}

/** Several pools read as one, in order. */
export function concatPools(name: string, pools: readonly TrainingPool[]): TrainingPool {
  const starts: number[] = []
  let size = 0
  for (const p of pools) {
    starts.push(size)
    size += p.size
  }
  return {
    name,
    size,
    async get(index: number) {
      if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`index ${index} is out of range for ${name} (size ${size})`)
      let k = pools.length - 1
      while (starts[k]! > index) k--
      const item = await pools[k]!.get(index - starts[k]!)
      return {...item, index}
    },
  }
}

/** A view of some indices of a pool. */
export function subsetPool(pool: TrainingPool, indices: readonly number[], name = pool.name): TrainingPool {
  return {
    name,
    size: indices.length,
    async get(index: number) {
      const i = indices[index]
      if (i === undefined) throw new RangeError(`index ${index} is out of range for ${name} (size ${indices.length})`)
      return {...(await pool.get(i)), index}
    },
  }
}

/** Hold out every `round(1/fraction)`-th image for validation (at least one when the pool has two or more). */
export function holdOut(pool: TrainingPool, fraction: number): {train: TrainingPool; val: TrainingPool} {
  if (fraction <= 0 || pool.size < 2) return {train: pool, val: subsetPool(pool, [], `${pool.name} (val)`)}
  const every = Math.max(2, Math.round(1 / fraction))
  const train: number[] = [], val: number[] = []
  for (let i = 0; i < pool.size; i++) (i % every === every - 1 ? val : train).push(i)
  if (val.length === 0) val.push(train.pop()!)
  return {train: subsetPool(pool, train, `${pool.name} (train)`), val: subsetPool(pool, val, `${pool.name} (val)`)}
}

export interface TrainingDataOptions {
  corpus?: string
  real?: string[]
  fake?: string[]
  datasets?: string[]
  cacheDir?: string
  registryPath?: string
  valFraction?: number
}

export async function openTrainingPools(opts: TrainingDataOptions): Promise<TrainingPools> {
  if (opts.corpus) {
    if (opts.real?.length || opts.fake?.length || opts.datasets?.length) throw new TrainingDataError('corpus-and-sources')
    const [train, val, test] = await Promise.all((['train', 'val', 'test'] as const).map((s) => openCorpusSplit(opts.corpus!, s)))
    return {train: train!, val: val!, test: test!, describe: `corpus ${opts.corpus}`}
  }
  const real: TrainingPool[] = [], fake: TrainingPool[] = []
  for (const dir of opts.real ?? []) real.push(await FolderPool.open(dir, {label: 0}))
  for (const dir of opts.fake ?? []) fake.push(await FolderPool.open(dir, {label: 1}))
  if (opts.datasets?.length) {
    if (!opts.cacheDir) throw new TrainingDataError('datasets-without-cache')
    const specs = selectDatasets(await loadRegistry(opts.registryPath), opts.datasets)
    for (const spec of specs) (labelNumber(spec) === 0 ? real : fake).push(await openDatasetPool(spec, opts.cacheDir))
  }
  if (real.length === 0 || fake.length === 0) throw new TrainingDataError('missing-class')
  const r = holdOut(concatPools('real', real), opts.valFraction ?? 0.1)
  const f = holdOut(concatPools('fake', fake), opts.valFraction ?? 0.1)
  for (const [what, p] of [['real', r.train], ['fake', f.train]] as const) {
    if (p.size === 0) throw new Error(`no ${what} training images found`)
  }
  const val = r.val.size > 0 && f.val.size > 0 ? {real: r.val, fake: f.val} : undefined
  return {
    train: {real: r.train, fake: f.train},
    val,
    describe: [...real, ...fake].map((p) => p.name).join(', '),
  }
}
