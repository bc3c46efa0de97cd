/** A read-only, indexable set of encoded images of one class. */
export interface PoolItem {
  bytes: Buffer
  /** where the image came from: a file path, or `<parquet file>#<row>` */
  source: string
  index: number
}

export interface ImagePool {
  readonly size: number
  /** 0 = real, 1 = synthetic */
  readonly label: 0 | 1
  readonly name: string
  get(index: number): Promise<PoolItem>
}

export class PoolIndexError extends RangeError {
  constructor(pool: string, index: number, size: number) {
    super(`index ${index} is out of range for pool ${pool} (size ${size})`)
    this.name = 'PoolIndexError'
  }
}

export function checkIndex(pool: ImagePool, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= pool.size) throw new PoolIndexError(pool.name, index, pool.size)
}
