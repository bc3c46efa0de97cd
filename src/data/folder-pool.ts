import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {checkIndex, type ImagePool, type PoolItem} from './pool.js'

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif'])

async function listImages(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    const entries = await readdir(d, {withFileTypes: true})
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) {
        if (recursive && !e.name.startsWith('.')) await walk(p)
      } else if (e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p)
    }
  }
  await walk(dir)
  // sorted so an index means the same file on every run
  return out.sort()
}

/**
 * Images in a folder (and its subfolders), indexed in sorted path order. Only the path list is held in memory;
 * each `get` reads one file.
 */
export class FolderPool implements ImagePool {
  readonly name: string
  readonly label: 0 | 1
  private constructor(
    readonly dir: string,
    private readonly files: string[],
    label: 0 | 1,
    name?: string,
  ) {
    this.label = label
    this.name = name ?? dir
  }

  static async open(dir: string, opts: {label: 0 | 1; name?: string; recursive?: boolean}): Promise<FolderPool> {
    let files: string[]
    try {
      files = await listImages(path.resolve(dir), opts.recursive ?? true)
    } catch (error) {
      throw new Error(`cannot read image folder ${dir}: ${(error as Error).message}`)
    }
    return new FolderPool(path.resolve(dir), files, opts.label, opts.name)
  }

  get size(): number {
    return this.files.length
  }

  /** The file behind an index (for logs and manifests). */
  path(index: number): string {
    checkIndex(this, index)
    return this.files[index]!
  }

  async get(index: number): Promise<PoolItem> {
    checkIndex(this, index)
    const file = this.files[index]!
    return {bytes: await readFile(file), source: file, index}
  }
}
