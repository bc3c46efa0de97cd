import path from 'node:path'

import {FolderPool} from './folder-pool.js'
import type {CorpusSplit} from './offline-corpus.js'
import type {ImagePool} from './pool.js'

/** The real and generated halves of one split of an offline corpus (`<dir>/<split>/{real,fake}/*.png`). */
export async function openCorpusSplit(dir: string, split: CorpusSplit): Promise<{real: ImagePool; fake: ImagePool}> {
  const real = await FolderPool.open(path.join(dir, split, 'real'), {label: 0, name: `${split}/real`, recursive: false})
  const fake = await FolderPool.open(path.join(dir, split, 'fake'), {label: 1, name: `${split}/fake`, recursive: false})
  return {real, fake}
}
