import {createRequire} from 'node:module'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'

const require = createRequire(import.meta.url)
let ready: Promise<string> | undefined

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep)
    return await tf.setBackend('wasm')
  } catch {
    return false
  }
}

/** tfjs-node / tfjs-node-gpu are optional (they download libtensorflow at install): load them when present. */
async function tryNode(pkg: 'tfjs-node' | 'tfjs-node-gpu'): Promise<boolean> {
  try {
    await import(`@tensorflow/${pkg}`)
    return await tf.setBackend('tensorflow')
  } catch {
    return false
  }
}

/**
 * Make sure tfjs has a backend: the one asked for, else the one already running, else wasm (SIMD), else cpu.
 * The wasm binaries are read from the installed @tensorflow/tfjs-backend-wasm package (there is no file://
 * fetch in Node without tfjs-node). Returns the backend in use.
 */
export function ensureTfBackend(name?: string): Promise<string> {
  if (!ready) {
    ready = (async () => {
      // a backend someone else already chose (the detector's resolver, a trainer) is kept unless one is asked for
      const engine = tf.engine() as unknown as {backendInstance?: unknown}
      if (!name && engine.backendInstance) return tf.getBackend()
      let ok = false
      if (name === 'tfjs-node' || name === 'tfjs-node-gpu') ok = await tryNode(name)
      else if (name === 'cpu') ok = await tf.setBackend('cpu')
      if (!ok) ok = await tryWasm()
      if (!ok) await tf.setBackend('cpu')
      await tf.ready()
      return tf.getBackend()
    })()
    ready.catch(() => {
      ready = undefined
    })
  }
  return ready
}
