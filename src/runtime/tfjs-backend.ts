/**
 * The one place that picks the TensorFlow.js backend: tfjs-node-gpu → tfjs-node → wasm (SIMD) → cpu, or the one
 * asked for. tfjs-node(-gpu) are optional installs (they fetch libtensorflow), so they are imported by name at run
 * time. On wasm, Conv2D's gradients are computed with forward kernels (conv-grad.ts): wasm has no
 * Conv2DBackpropFilter and a slow Conv2DBackpropInput. See docs/ARCHITECTURE.md § Detector.
 */
import {createRequire} from 'node:module'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'

import {registerFastConv2dGrad} from './conv-grad.js'
import {BACKENDS, BackendUnavailableError, UnknownBackendError, type BackendName} from './errors.js'

// tfjs's production mode: its only effect here is silencing tfjs's own console banners ("install tfjs-node"), since
// resolveBackend reports the backend it chose itself
tf.env().set('PROD', true)

const require = createRequire(import.meta.url)
let current: BackendName | undefined

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tfjs-node' || name === 'tfjs-node-gpu') {
      const spec = `@tensorflow/${name}`
      await import(spec)
      return await tf.setBackend('tensorflow')
    }
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm')
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep)
      const ok = await tf.setBackend('wasm')
      if (ok) registerFastConv2dGrad()
      return ok
    }
    return await tf.setBackend('cpu')
  } catch {
    return false
  }
}

/**
 * Select a backend (undefined or 'auto': the fastest available) and return its name. A named backend that cannot
 * load is an error, not a silent fallback.
 */
export async function resolveBackend(name?: string, log?: (line: string) => void): Promise<BackendName> {
  const want = name === undefined || name === 'auto' ? undefined : name
  if (want !== undefined && !isBackendName(want)) throw new UnknownBackendError(want)
  if (current && (want === undefined || want === current)) return current
  const order: BackendName[] = want ? [want] : [...BACKENDS]
  for (const b of order) {
    if (await tryBackend(b)) {
      await tf.ready()
      current = b
      log?.(`tfjs backend: ${b}`)
      return b
    }
  }
  throw new BackendUnavailableError(want)
}

function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name)
}

/** The backend chosen so far (undefined before resolveBackend ran). */
export function currentBackend(): BackendName | undefined {
  return current
}
