import {existsSync} from 'node:fs'

import {datasetDir} from './download.js'
import {DatasetNotDownloadedError} from './errors.js'
import {findParquet, ParquetPool} from './parquet-pool.js'
import {labelNumber, type DatasetSpec} from './registry.js'

/** The downloaded parquet files of a registry dataset as an ImagePool (label from the registry). */
export async function openDatasetPool(spec: DatasetSpec, cacheDir: string): Promise<ParquetPool> {
  const dir = datasetDir(cacheDir, spec.id)
  const files = existsSync(dir) ? await findParquet(dir) : []
  if (files.length === 0) throw new DatasetNotDownloadedError(spec.id, dir)
  return ParquetPool.open(files, {label: labelNumber(spec), name: spec.id, imageColumn: spec.imageColumn})
}
