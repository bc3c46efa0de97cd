import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** PyTorch-made parity fixtures (random-weight NPR, 224² PNGs, expected logits); `scripts/make-npr-parity.py` remakes them. */
export const PARITY_DIR = path.join(ROOT, 'test', 'fixtures', 'npr-parity')
export const PARITY_PTH = path.join(PARITY_DIR, 'npr-random.pth')

export interface ParityCase {
  image: string
  logit: number
  probability: number
}
