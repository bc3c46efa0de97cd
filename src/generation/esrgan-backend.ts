import {createRequire} from 'node:module'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'

const require = createRequire(import.meta.url)
let ready: Promise<string> | undefined

/**
 * Make sure tfjs has a backend: the one asked for, else the one already running, else wasm (SIMD), else cpu. The wasm binaries are read from
 * the installed @tensorflow/tfjs-backend-wasm package (there is no file:// fetch in Node without tfjs-node).
 */
export function ensureTfBackend(name?: string): Promise<string> {
  if (!ready) {
    ready = (async () => {
      // a backend someone else already chose (the detector's resolver, a trainer) is kept unless one is asked for
      const engine = tf.engine() as unknown as {backendInstance?: unknown}
      if (!name && engine.backendInstance) return tf.getBackend()
      const want = name ?? 'wasm'
      if (want === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm')
        const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
        wasm.setWasmPaths(path.join(dir, 'dist') + path.sep)
        if (await tf.setBackend('wasm')) {
          await tf.ready()
          return 'wasm'
        }
      } else if (await tf.setBackend(want)) {
        await tf.ready()
        return want
      }
      await tf.setBackend('cpu')
      await tf.ready()
      return 'cpu'
    })()
    ready.catch(() => {
      ready = undefined
    })
  }
  return ready
}
