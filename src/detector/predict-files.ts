/** Batch prediction over files and folders: what `bitmind predict` does, without the terminal. */
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {decodeImage, ImageDecodeError, type RgbImage} from '../image/index.js'
import type {Detector} from './detector.js'

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff', '.bmp', '.heic', '.heif', '.jfif'])

export type FileResult =
  | {file: string; probability: number; verdict: 'real' | 'fake'}
  | {file: string; error: string}

/**
 * Expand the arguments: files as given (whatever their extension), folders recursively to the image files inside
 * (by extension, sorted). A path that does not exist becomes an error result.
 */
export async function collectImageFiles(inputs: string[]): Promise<{files: string[]; missing: string[]}> {
  const files: string[] = []
  const missing: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, {withFileTypes: true})).sort((a, b) => a.name.localeCompare(b.name))
    for (const e of entries) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) files.push(p)
    }
  }
  for (const input of inputs) {
    const st = await fs.stat(input).catch(() => undefined)
    if (!st) missing.push(input)
    else if (st.isDirectory()) await walk(input)
    else files.push(input)
  }
  return {files, missing}
}

export function verdict(p: number): 'real' | 'fake' {
  return p > 0.5 ? 'fake' : 'real'
}

type Decoded = {file: string; image: RgbImage} | {file: string; error: string}

function decodeChunk(chunk: string[]): Promise<Decoded[]> {
  return Promise.all(chunk.map(async (file): Promise<Decoded> => {
    try {
      return {file, image: await decodeImage(file)}
    } catch (err) {
      const msg = err instanceof ImageDecodeError ? err.message : `${file}: ${(err as Error).message.split('\n')[0]}`
      return {file, error: msg}
    }
  }))
}

/**
 * Decode and score files in batches of batchSize. Unreadable files become {file, error} results and are skipped;
 * results keep the input order. The next batch is decoded (sharp, on libuv's threads) while the model runs on this one.
 */
export async function predictFiles(files: string[], detector: Detector, opts: {batchSize?: number; onProgress?: (done: number, total: number) => void} = {}): Promise<FileResult[]> {
  const batchSize = Math.max(1, opts.batchSize ?? 16)
  const results: FileResult[] = []
  let next = files.length > 0 ? decodeChunk(files.slice(0, batchSize)) : undefined
  for (let i = 0; i < files.length; i += batchSize) {
    const decoded = await next!
    next = i + batchSize < files.length ? decodeChunk(files.slice(i + batchSize, i + 2 * batchSize)) : undefined
    const ok = decoded.filter((d): d is {file: string; image: RgbImage} => 'image' in d)
    let probs: number[]
    try {
      probs = ok.length ? await detector.predict(ok.map((d) => d.image)) : []
    } catch (err) {
      await next?.catch(() => {})
      throw err
    }
    let k = 0
    for (const d of decoded) {
      if ('error' in d) results.push({file: d.file, error: d.error})
      else {
        const p = probs[k++]!
        results.push({file: d.file, probability: p, verdict: verdict(p)})
      }
    }
    opts.onProgress?.(Math.min(files.length, i + batchSize), files.length)
  }
  return results
}
