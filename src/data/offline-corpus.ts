import {existsSync} from 'node:fs'
import {appendFile, mkdir, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import sharp from 'sharp'

import {createRng, permutation, type Rng} from '../config/random.js'
import {esrganRoundTrip, loadEsrganModel, type EsrganPackage, type EsrganScale} from '../generation/esrgan.js'
import {crop, decodeImage, type RgbImage} from '../image/index.js'
import {fetchDebianPackages} from './debian.js'
import {PHOTO_CATALOG, type PhotoPackage} from './photo-catalog.js'

export type CorpusSplit = 'train' | 'val' | 'test'
export const CORPUS_SPLITS: readonly CorpusSplit[] = ['train', 'val', 'test']

/** One line of `<dir>/manifest.jsonl`. `label` 0 = real photograph, 1 = generated (ESRGAN). */
export interface CorpusEntry {
  file: string
  split: CorpusSplit
  label: 0 | 1
  photo: string
  source: string
  package: string
  generator: string | null
  scale: number | null
  kernel: string | null
  level: number
  crop: [number, number]
}

export interface CorpusOptions {
  outDir: string
  size?: number
  seed?: number
  /** Crops per class over the whole corpus (spread over photos by their area). */
  perClass?: number
  /** Scratch folder for .deb files and their contents (a temp dir when omitted; removed at the end then). */
  workDir?: string
  /** Folders where packages are already unpacked (`<root>/<package>/usr/...`): skips apt. */
  packagesRoot?: string
  generators?: ReadonlyArray<{pkg: EsrganPackage; scale: EsrganScale}>
  fraction?: {val: number; test: number}
  backend?: string
  log?: (msg: string) => void
  /** after each crop: crops made of the planned total (both classes), and the photo being cut */
  onProgress?: (p: CorpusProgress) => void
  catalog?: readonly PhotoPackage[]
}

export interface CorpusProgress {
  done: number
  /** crops planned: every photo's quota, both classes (at least `perClass` each: small photos keep a minimum) */
  total: number
  photo: number
  photos: number
}

export interface CorpusSummary {
  outDir: string
  size: number
  photos: number
  photosPerSplit: Record<CorpusSplit, number>
  counts: Record<CorpusSplit, {real: number; fake: number}>
  total: {real: number; fake: number}
  generators: Record<string, number>
  packages: Record<string, number>
  seconds: number
}

export const DEFAULT_GENERATORS: ReadonlyArray<{pkg: EsrganPackage; scale: EsrganScale}> = [
  {pkg: 'slim', scale: 2},
  {pkg: 'slim', scale: 3},
  {pkg: 'slim', scale: 4},
  {pkg: 'medium', scale: 2},
  {pkg: 'medium', scale: 3},
  {pkg: 'medium', scale: 4},
]

const KERNELS = ['lanczos3', 'cubic', 'linear'] as const
const LEVELS = [1, 1.5, 2, 3, 4, 6, 8, 12]
const BORDER_LR_PX = 4

interface Photo {
  id: string
  package: string
  rel: string
  abs: string
  width: number
  height: number
}

function photoId(pkg: string, rel: string): string {
  const parts = rel.split('/')
  let stem = path.basename(rel, path.extname(rel))
  // plasma wallpapers are named by resolution inside <Name>/contents/images/
  if (/^\d+x\d+$/.test(stem) && parts.length >= 4) stem = parts[parts.length - 4]!
  const short = pkg.replace(/-(backgrounds|wallpapers.*|data|doc)$/, '').replace(/^python3-/, '')
  return `${short}-${stem}`.replace(/[^A-Za-z0-9_.-]/g, '_')
}

/** Deterministic split by photo: shuffle the photos, then deal val/test shares out of each package in turn. */
export function splitPhotos<T extends {package: string}>(photos: readonly T[], seed: number, fraction = {val: 0.1, test: 0.1}): Map<T, CorpusSplit> {
  const rng = createRng(seed ^ 0x5eed)
  const order = permutation(rng, photos.length)
  const byPkg = new Map<string, T[]>()
  for (const i of order) {
    const p = photos[i]!
    if (!byPkg.has(p.package)) byPkg.set(p.package, [])
    byPkg.get(p.package)!.push(p)
  }
  // interleave packages so each split gets a mix of sources
  const dealt: T[] = []
  const lists = [...byPkg.values()]
  for (let k = 0; dealt.length < photos.length; k++) for (const l of lists) if (k < l.length) dealt.push(l[k]!)
  const nVal = Math.max(1, Math.round(photos.length * fraction.val))
  const nTest = Math.max(1, Math.round(photos.length * fraction.test))
  // held-out photos sit at even strides through the dealt order, alternating val / test
  const held: CorpusSplit[] = []
  for (let k = 0; k < Math.max(nVal, nTest); k++) {
    if (k < nVal) held.push('val')
    if (k < nTest) held.push('test')
  }
  const stride = photos.length / held.length
  const slot = new Map<number, CorpusSplit>()
  held.forEach((s, j) => slot.set(Math.min(photos.length - 1, Math.floor(j * stride + stride / 2)), s))
  const out = new Map<T, CorpusSplit>()
  dealt.forEach((p, i) => out.set(p, slot.get(i) ?? 'train'))
  return out
}

async function downscale(img: RgbImage, f: number): Promise<RgbImage> {
  if (f === 1) return img
  const w = Math.round(img.width / f)
  const h = Math.round(img.height / f)
  const {data, info} = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {raw: {width: img.width, height: img.height, channels: 3}})
    .resize(w, h, {fit: 'fill', kernel: 'lanczos3'})
    .raw()
    .toBuffer({resolveWithObject: true})
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height}
}

async function writePng(img: RgbImage, file: string): Promise<void> {
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {raw: {width: img.width, height: img.height, channels: 3}})
    .png({compressionLevel: 6})
    .toFile(file)
}

/**
 * Split `total` over photos in proportion to sqrt(area) (big wallpapers give more distinct crops), at least `min` each
 * where the total allows it (the floor drops to ⌊total / photos⌋, so the sum is always exactly `total`).
 */
export function quotas(photos: readonly {width: number; height: number}[], total: number, wantMin: number): number[] {
  const min = Math.min(wantMin, Math.floor(total / photos.length))
  const w = photos.map((p) => Math.sqrt(p.width * p.height))
  const sum = w.reduce((a, b) => a + b, 0)
  const q = w.map((x) => Math.max(min, Math.round((total * x) / sum)))
  // trim or pad the largest to land exactly on total (never below min)
  let diff = total - q.reduce((a, b) => a + b, 0)
  const byW = [...q.keys()].sort((a, b) => w[b]! - w[a]!)
  for (let k = 0; diff !== 0 && k < 100000; k++) {
    const i = byW[k % byW.length]!
    if (diff > 0) {
      q[i]!++
      diff--
    } else if (q[i]! > min) {
      q[i]!--
      diff++
    }
  }
  return q
}

/** Only an empty folder or an earlier corpus (it has a manifest.jsonl) may be written over. */
async function assertCorpusTarget(outDir: string): Promise<void> {
  if (!existsSync(outDir)) return
  const entries = await readdir(outDir)
  if (entries.length > 0 && !entries.includes('manifest.jsonl')) {
    throw new Error(`${outDir} is not empty and holds no manifest.jsonl: refusing to write a corpus over it`)
  }
}

async function prepareOutDir(outDir: string): Promise<void> {
  await assertCorpusTarget(outDir)
  if (existsSync(outDir)) {
    for (const e of ['train', 'val', 'test', 'manifest.jsonl', 'corpus.json']) await rm(path.join(outDir, e), {recursive: true, force: true})
  }
  for (const s of CORPUS_SPLITS) for (const c of ['real', 'fake']) await mkdir(path.join(outDir, s, c), {recursive: true})
}

/**
 * Build the offline real-vs-generated corpus: photographs from Debian packages cut into `size`² crops (real),
 * and other crops of the same photos downscaled and re-upscaled by ESRGAN generators (fake). Split by photo.
 * Layout: `<outDir>/{train,val,test}/{real,fake}/*.png` + `manifest.jsonl` + `corpus.json` (the summary).
 */
export async function buildOfflineCorpus(opts: CorpusOptions): Promise<CorpusSummary> {
  const t0 = Date.now()
  const size = opts.size ?? 224
  const seed = opts.seed ?? 0
  const perClass = opts.perClass ?? 2400
  const log = opts.log ?? (() => {})
  const generators = opts.generators ?? DEFAULT_GENERATORS
  const catalog = opts.catalog ?? PHOTO_CATALOG
  const outDir = path.resolve(opts.outDir)

  await assertCorpusTarget(outDir)
  let roots: Map<string, string>
  let tempWork: string | undefined
  if (opts.packagesRoot) {
    roots = new Map(catalog.map((c) => [c.package, path.join(opts.packagesRoot!, c.package)]))
  } else {
    const work = opts.workDir ?? (tempWork = path.join(os.tmpdir(), `bitmind-corpus-${process.pid}-${Date.now()}`))
    roots = await fetchDebianPackages(
      catalog.map((c) => c.package),
      work,
      log,
    )
  }

  try {
    const photos: Photo[] = []
    for (const c of catalog) {
      for (const rel of c.files) {
        const abs = path.join(roots.get(c.package)!, rel)
        if (!existsSync(abs)) {
          log(`missing in ${c.package}: ${rel} (skipped)`)
          continue
        }
        const m = await sharp(abs).metadata()
        const rot = (m.orientation ?? 1) >= 5
        const width = rot ? m.height! : m.width!
        const height = rot ? m.width! : m.height!
        if (Math.min(width, height) < size) {
          log(`${rel} is smaller than ${size}px (skipped)`)
          continue
        }
        photos.push({id: photoId(c.package, rel), package: c.package, rel, abs, width, height})
      }
    }
    if (photos.length === 0) throw new Error('no photographs found in the packages')
    const ids = new Set(photos.map((p) => p.id))
    if (ids.size !== photos.length) throw new Error('photo ids collide: rename rule needs a fix')

    await prepareOutDir(outDir)
    const splitOf = splitPhotos(photos, seed, opts.fraction)
    const q = quotas(photos, perClass, 4)
    const rng: Rng = createRng(seed)
    const manifestPath = path.join(outDir, 'manifest.jsonl')
    await writeFile(manifestPath, '')

    const counts: CorpusSummary['counts'] = {train: {real: 0, fake: 0}, val: {real: 0, fake: 0}, test: {real: 0, fake: 0}}
    const genCounts: Record<string, number> = {}
    const pkgCounts: Record<string, number> = {}
    // generators dealt from a shuffled deck so each one makes about the same number of images
    let deck: number[] = []
    const nextGenerator = () => {
      if (deck.length === 0) deck = [...permutation(rng, generators.length)]
      return generators[deck.pop()!]!
    }
    let done = 0
    // what the loop below makes: 2 crops per quota unit (the quotas keep a minimum per photo, so they can add up
    // to more than perClass when there are many photos)
    const total = 2 * q.reduce((a, b) => a + b, 0)

    for (const [pi, photo] of photos.entries()) {
      const split = splitOf.get(photo)!
      const n = q[pi]!
      // a small perClass leaves some photos without crops
      if (n === 0) continue
      const full = await decodeImage(photo.abs, {maxPixels: 30_000_000})
      const minSide = Math.min(full.width, full.height)
      const levels = LEVELS.filter((f) => minSide / f >= size)
      const cache = new Map<number, RgbImage>()
      const level = async (f: number) => {
        let img = cache.get(f)
        if (!img) cache.set(f, (img = await downscale(full, f)))
        return img
      }
      const lines: string[] = []
      for (let k = 0; k < 2 * n; k++) {
        const label: 0 | 1 = k % 2 === 0 ? 0 : 1
        const g = label === 1 ? nextGenerator() : undefined
        // the GAN smears the borders of what it sees: feed it a margin of context and keep the centre
        const wantPad = g ? BORDER_LR_PX * g.scale : 0
        const fits = levels.filter((lv) => minSide / lv >= size + 2 * wantPad)
        const pad = fits.length > 0 ? wantPad : 0
        const pool = fits.length > 0 ? fits : levels
        const f = pool[Math.floor(rng() * pool.length)]!
        const img = await level(f)
        const x = pad + Math.floor(rng() * (img.width - size - 2 * pad + 1))
        const y = pad + Math.floor(rng() * (img.height - size - 2 * pad + 1))
        let out = crop(img, x, y, size, size)
        let generator: string | null = null
        let scale: number | null = null
        let kernel: string | null = null
        if (g) {
          const kern = KERNELS[Math.floor(rng() * KERNELS.length)]!
          kernel = kern
          const model = await loadEsrganModel(g.pkg, g.scale, {backend: opts.backend})
          const up = await esrganRoundTrip(model, crop(img, x - pad, y - pad, size + 2 * pad, size + 2 * pad), g.scale, {kernel: kern})
          out = crop(up, pad, pad, size, size)
          generator = `esrgan-${g.pkg}-x${g.scale}`
          scale = g.scale
          genCounts[generator] = (genCounts[generator] ?? 0) + 1
        }
        const cls = label === 0 ? 'real' : 'fake'
        const file = `${split}/${cls}/${photo.id}-${String(k >> 1).padStart(3, '0')}.png`
        await writePng(out, path.join(outDir, file))
        const entry: CorpusEntry = {file, split, label, photo: photo.id, source: photo.rel, package: photo.package, generator, scale, kernel, level: f, crop: [x, y]}
        lines.push(JSON.stringify(entry))
        counts[split][cls]++
        done++
        opts.onProgress?.({done, total, photo: pi + 1, photos: photos.length})
      }
      pkgCounts[photo.package] = (pkgCounts[photo.package] ?? 0) + 1
      await appendFile(manifestPath, lines.join('\n') + '\n')
    }

    const photosPerSplit = {train: 0, val: 0, test: 0}
    for (const [pi, p] of photos.entries()) if (q[pi]! > 0) photosPerSplit[splitOf.get(p)!]++
    const summary: CorpusSummary = {
      outDir,
      size,
      photos: q.filter((x) => x > 0).length,
      photosPerSplit,
      counts,
      total: {real: counts.train.real + counts.val.real + counts.test.real, fake: counts.train.fake + counts.val.fake + counts.test.fake},
      generators: genCounts,
      packages: pkgCounts,
      seconds: Math.round((Date.now() - t0) / 1000),
    }
    await writeFile(path.join(outDir, 'corpus.json'), JSON.stringify(summary, null, 2) + '\n')
    return summary
  } finally {
    if (tempWork) await rm(tempWork, {recursive: true, force: true})
  }
}
