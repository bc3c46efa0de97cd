/**
 * Labelled image files for `bitmind eval` and `bitmind train`, from the arguments a person types:
 *   <corpus>            a folder holding manifest.jsonl and <split>/{real,fake}/ (the offline corpus)
 *   <corpus>/<split>    a split folder holding real/ and fake/
 *   real=<dir> | fake=<dir>   a folder of images with one label
 * Each file gets a source for the per-source breakdown: from the corpus manifest (the generator of a fake,
 * the Debian package of a real photo) or else the folder's name.
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'

import {z} from 'zod'


export interface LabeledFile {
  file: string
  label: 0 | 1
  source: string
}

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp|tiff?|avif)$/i

const ManifestLine = z.object({
  file: z.string(),
  label: z.union([z.literal(0), z.literal(1)]),
  package: z.string().optional(),
  generator: z.string().nullable().optional(),
  source: z.string().optional(),
})

function listImages(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true})
    .filter((e) => e.isFile() && IMAGE_EXT.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort()
}

/** manifest.jsonl of a corpus: relative file → source name. */
function readManifest(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const file = path.join(root, 'manifest.jsonl')
  if (!existsSync(file)) return out
  const lines = readFileSync(file, 'utf8').split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      throw new Error(`${file}:${i + 1} is not JSON`)
    }
    const r = ManifestLine.safeParse(parsed)
    if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues[0]?.message ?? 'bad manifest line'}`)
    const e = r.data
    out.set(path.normalize(e.file), e.label === 1 ? (e.generator ?? 'fake') : (e.package ?? 'real'))
  })
  return out
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory()
}

function splitFolder(splitDir: string, manifestRoot: string | undefined): LabeledFile[] {
  const manifest = manifestRoot ? readManifest(manifestRoot) : new Map<string, string>()
  const out: LabeledFile[] = []
  for (const [cls, label] of [['real', 0], ['fake', 1]] as const) {
    const dir = path.join(splitDir, cls)
    if (!isDir(dir)) throw new Error(`${splitDir} has no ${cls}/ folder`)
    for (const file of listImages(dir)) {
      const rel = manifestRoot ? path.normalize(path.relative(manifestRoot, file)) : ''
      out.push({file, label, source: manifest.get(rel) ?? cls})
    }
  }
  return out
}

/** Resolve one data argument to labelled files (`split` picks the split of a corpus root). */
export function resolveLabeledFiles(arg: string, split = 'test'): LabeledFile[] {
  const m = /^(real|fake)=(.+)$/.exec(arg)
  if (m) {
    const dir = m[2]!
    if (!isDir(dir)) throw new Error(`${dir} is not a folder`)
    const label = m[1] === 'real' ? 0 : 1
    return listImages(dir).map((file) => ({file, label, source: path.basename(path.resolve(dir))}))
  }
  if (!isDir(arg)) throw new Error(`${arg} is not a folder (give a corpus, a split folder with real/ and fake/, or real=<dir> / fake=<dir>)`)
  if (isDir(path.join(arg, split)) && isDir(path.join(arg, split, 'real'))) return splitFolder(path.join(arg, split), arg)
  if (isDir(path.join(arg, 'real')) && isDir(path.join(arg, 'fake'))) {
    const parent = path.dirname(path.resolve(arg))
    return splitFolder(arg, existsSync(path.join(parent, 'manifest.jsonl')) ? parent : undefined)
  }
  throw new Error(`${arg} holds neither ${split}/{real,fake}/ nor real/ and fake/`)
}
