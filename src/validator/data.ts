import {existsSync} from 'node:fs'
import path from 'node:path'

import {defaultCacheDir, expandHome} from '../config/paths.js'
import {openCorpusSplit} from '../data/corpus.js'
import {openDatasetPool} from '../data/dataset-pool.js'
import {FolderPool} from '../data/folder-pool.js'
import {labelNumber, loadRegistry, selectDatasets} from '../data/registry.js'
import type {ImagePoolLike, SyntheticSourceLike} from './challenge.js'

export interface ChallengeDataOptions {
  /** folders of real images */
  real?: readonly string[]
  /** folders of generated images */
  fake?: readonly string[]
  /** offline corpus folder: its `test` split's real and fake halves */
  corpus?: string
  /** downloaded registry datasets (ids or short names) */
  datasets?: readonly string[]
  cacheDir?: string
  /** ESRGAN round trips of real photos as a synthetic source */
  esrgan?: boolean
  backend?: string
}

export interface ChallengeData {
  realPools: ImagePoolLike[]
  fakePools: ImagePoolLike[]
  fakeSources: SyntheticSourceLike[]
  dispose(): Promise<void>
}

/** Open every image source the validator was pointed at; an unusable one is an error naming it. */
export async function openChallengeData(opts: ChallengeDataOptions): Promise<ChallengeData> {
  const realPools: ImagePoolLike[] = []
  const fakePools: ImagePoolLike[] = []
  for (const dir of opts.real ?? []) realPools.push(await nonEmpty(await FolderPool.open(expandHome(dir), {label: 0, name: path.basename(dir)})))
  for (const dir of opts.fake ?? []) fakePools.push(await nonEmpty(await FolderPool.open(expandHome(dir), {label: 1, name: path.basename(dir)})))
  if (opts.corpus) {
    const dir = expandHome(opts.corpus)
    if (!existsSync(path.join(dir, 'test'))) throw new Error(`${dir} is not an offline corpus (no test/ split): build one with bitmind download-data --offline-corpus`)
    const split = await openCorpusSplit(dir, 'test')
    if (split.real.size > 0) realPools.push(split.real)
    if (split.fake.size > 0) fakePools.push(split.fake)
  }
  if (opts.datasets && opts.datasets.length > 0) {
    const specs = selectDatasets(await loadRegistry(), opts.datasets)
    const cacheDir = expandHome(opts.cacheDir ?? defaultCacheDir())
    for (const spec of specs) {
      const pool = await openDatasetPool(spec, cacheDir)
      ;(labelNumber(spec) === 0 ? realPools : fakePools).push(pool)
    }
  }
  // loaded only when asked for: it pulls in tfjs, which costs seconds at start-up
  const esrgan = opts.esrgan ? new (await import('../generation/esrgan.js')).EsrganSource({pkg: 'slim', scale: 2, backend: opts.backend}) : undefined
  const fakeSources: SyntheticSourceLike[] = esrgan ? [esrgan] : []
  if (realPools.length === 0 && fakePools.length === 0 && fakeSources.length === 0) {
    throw new Error('no challenge data: pass --data.corpus, --data.real_dir/--data.synthetic_dir folders, --data.dataset or --data.esrgan')
  }
  if (esrgan && realPools.length === 0) {
    throw new Error('--data.esrgan re-upscales real photos: it needs a real image source too (--data.real_dir, --data.corpus or --data.dataset)')
  }
  return {realPools, fakePools, fakeSources, dispose: async () => esrgan?.dispose()}
}

async function nonEmpty<P extends ImagePoolLike>(pool: P): Promise<P> {
  if (pool.size === 0) throw new Error(`no images in ${pool.name}`)
  return pool
}
