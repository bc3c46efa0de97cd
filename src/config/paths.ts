import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {settings} from './settings.js'

/** Expand a leading `~` as btcli does for the wallet folder and other paths a user types. */
export function expandHome(p: string): string {
  if (p === '~') return os.homedir()
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2))
  return p
}

export const DEFAULT_WALLET_PATH = '~/.bittensor/wallets'
export const DEFAULT_NEURON_ROOT = '~/.bittensor/miners'
/** API keys of `bitmind proxy` (salted hashes only; see `bitmind proxy keys`). */
export const DEFAULT_PROXY_KEYS_FILE = '~/.bitmind/proxy/keys.json'

export function defaultCacheDir(): string {
  return settings.cacheDir
}

/** The package root (where `models/`, `package.json` live), found from this file's location in src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export const MODELS_DIR = path.join(PACKAGE_ROOT, 'models')

/** Data files shipped with the package (e.g. the devnet's runtime metadata). */
export const ASSETS_DIR = path.join(PACKAGE_ROOT, 'assets')

/**
 * The shipped detector (trained by `bitmind train` on the offline corpus; see models/MODEL_CARD.md): what
 * `predict`, `mine` and `eval` use when no model is given — its int8 build (bench/quantize-npr.mjs; same verdicts
 * on 482 of 486 test challenges, ~2× faster), else the float one. Our tfjs format of the same weights is models/npr/.
 */
export const DEFAULT_MODEL_FP32_PATH = path.join(MODELS_DIR, 'npr.onnx')
export const DEFAULT_MODEL_PATH = existsSync(path.join(MODELS_DIR, 'npr-int8.onnx')) ? path.join(MODELS_DIR, 'npr-int8.onnx') : DEFAULT_MODEL_FP32_PATH
export const DEFAULT_MODEL_TFJS_DIR = path.join(MODELS_DIR, 'npr')

/** The shipped model that exists: DEFAULT_MODEL_PATH, else the tfjs folder models/npr/; undefined when neither is there. */
export function shippedModel(): string | undefined {
  if (existsSync(DEFAULT_MODEL_PATH)) return DEFAULT_MODEL_PATH
  if (existsSync(path.join(DEFAULT_MODEL_TFJS_DIR, 'model.json'))) return DEFAULT_MODEL_TFJS_DIR
  return undefined
}
