import sharp from 'sharp'
import {parquetWriteBuffer} from 'hyparquet-writer'

import {createRng} from '../../src/config/random.js'

/** A small PNG of seeded noise (distinct per seed, incompressible enough to make files of some size). */
export async function noisePng(seed: number, size = 48): Promise<Buffer> {
  const rng = createRng(seed)
  const raw = Buffer.alloc(size * size * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rng() * 256)
  return sharp(raw, {raw: {width: size, height: size, channels: 3}}).png().toBuffer()
}

/** A parquet file shaped like a Hugging Face `Image()` dataset: `image: {bytes, path}` plus a `label` column. */
export function imageParquet(images: Buffer[], rowGroupSize = 4): Buffer {
  const ab = parquetWriteBuffer({
    columnData: [
      {name: 'image', data: images.map((b, i) => ({bytes: new Uint8Array(b), path: `img${i}.png`}))},
      {name: 'label', data: images.map((_, i) => i % 2)},
    ],
    schema: [
      {name: 'root', num_children: 2},
      {name: 'image', repetition_type: 'OPTIONAL', num_children: 2},
      {name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL'},
      {name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'label', type: 'INT32', repetition_type: 'OPTIONAL'},
    ],
    rowGroupSize,
  })
  return Buffer.from(ab)
}
