import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData} from 'hyparquet'

import {checkIndex, type ImagePool, type PoolItem} from './pool.js'

interface PartFile {
  file: string
  buffer: AsyncBuffer
  metadata: FileMetaData
  /** first global row index of this file */
  start: number
  rows: number
}

/** Turn a parquet image cell into bytes: HF `Image()` columns are `{bytes, path}` structs; plain binary also works. */
export function imageCellBytes(cell: unknown): Buffer | undefined {
  if (cell instanceof Uint8Array) return Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength)
  if (cell && typeof cell === 'object' && 'bytes' in cell) {
    const b = (cell as {bytes: unknown}).bytes
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  }
  return undefined
}

/**
 * Images stored in parquet files (one image column), addressed by a global row index across the files. Only
 * the footers are held in memory; `get` reads the one row's column chunk from disk through hyparquet.
 */
export class ParquetPool implements ImagePool {
  readonly size: number
  private constructor(
    private readonly parts: PartFile[],
    readonly label: 0 | 1,
    readonly name: string,
    readonly imageColumn: string,
  ) {
    this.size = parts.reduce((a, p) => a + p.rows, 0)
  }

  /** Open parquet files (or every *.parquet below a folder, sorted). */
  static async open(filesOrDir: string | string[], opts: {label: 0 | 1; name?: string; imageColumn?: string}): Promise<ParquetPool> {
    const files = typeof filesOrDir === 'string' ? await findParquet(filesOrDir) : [...filesOrDir]
    const imageColumn = opts.imageColumn ?? 'image'
    const parts: PartFile[] = []
    let start = 0
    for (const file of files) {
      const buffer = await asyncBufferFromFile(file)
      let metadata: FileMetaData
      try {
        metadata = await parquetMetadataAsync(buffer)
      } catch (error) {
        throw new Error(`${file} is not a readable parquet file: ${(error as Error).message}`)
      }
      const top = metadata.schema.slice(1).map((s) => s.name)
      if (!top.includes(imageColumn)) throw new Error(`${file} has no column "${imageColumn}" (columns: ${top.join(', ')})`)
      const rows = Number(metadata.num_rows)
      parts.push({file, buffer, metadata, start, rows})
      start += rows
    }
    const name = opts.name ?? (typeof filesOrDir === 'string' ? filesOrDir : files.join(','))
    return new ParquetPool(parts, opts.label, name, imageColumn)
  }

  get files(): string[] {
    return this.parts.map((p) => p.file)
  }

  private locate(index: number): PartFile {
    let lo = 0
    let hi = this.parts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.parts[mid]!.start <= index) lo = mid
      else hi = mid - 1
    }
    return this.parts[lo]!
  }

  async get(index: number): Promise<PoolItem> {
    checkIndex(this, index)
    const part = this.locate(index)
    const row = index - part.start
    const rows = await parquetReadObjects({
      file: part.buffer,
      metadata: part.metadata,
      columns: [this.imageColumn],
      rowStart: row,
      rowEnd: row + 1,
      utf8: false,
      useOffsetIndex: true,
    })
    const bytes = imageCellBytes(rows[0]?.[this.imageColumn])
    if (!bytes) throw new Error(`${part.file} row ${row}: column "${this.imageColumn}" holds no image bytes`)
    return {bytes, source: `${part.file}#${row}`, index}
  }
}

export async function findParquet(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    for (const e of await readdir(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && e.name.endsWith('.parquet')) out.push(p)
    }
  }
  await walk(dir)
  return out.sort()
}
