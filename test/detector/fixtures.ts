import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** CI has ../shared beside the clone. */
export const PARITY_DIR = path.resolve(ROOT, '..', 'shared', 'reference', 'npr-parity')
export const PARITY_PTH = path.join(PARITY_DIR, 'npr-random.pth')

export interface ParityCase {
  image: string
  logit: number
  probability: number
}
