// Writes the 31 files bench/predict-vs-torch.sh and bench/predict-profile.mjs score: the 16 demo photos
// (assets/demo-photos, 224² PNG) as they are, and 15 of them as JPEG quality 75 (what a validator's challenge is).
// Usage: node bench/predict-set.mjs OUT_DIR
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import sharp from 'sharp'

const here = path.dirname(fileURLToPath(import.meta.url))
const photos = path.resolve(here, '..', 'assets', 'demo-photos')
const out = process.argv[2]
if (!out) throw new Error('usage: node bench/predict-set.mjs OUT_DIR')
mkdirSync(out, {recursive: true})
const pngs = readdirSync(photos).filter((f) => f.endsWith('.png')).sort()
if (pngs.length < 16) throw new Error(`${photos}: expected 16 demo photos, found ${pngs.length}`)
let n = 0
for (const [i, f] of pngs.slice(0, 16).entries()) {
  const src = path.join(photos, f)
  writeFileSync(path.join(out, `${String(n++).padStart(2, '0')}-${f}`), await sharp(src).png().toBuffer())
  if (i < 15) writeFileSync(path.join(out, `${String(n++).padStart(2, '0')}-${f.replace(/\.png$/, '.jpg')}`), await sharp(src).jpeg({quality: 75}).toBuffer())
}
console.log(`${n} files in ${out}`)
