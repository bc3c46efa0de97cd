/**
 * The one place that picks the TensorFlow.js backend: tfjs-node-gpu → tfjs-node → wasm (SIMD) → cpu, or the one
 * asked for. tfjs-node(-gpu) are optional installs (they fetch libtensorflow), so they are imported by name at run
 * time. On wasm, Conv2D's filter gradient is computed with forward convolutions (wasm has no Conv2DBackpropFilter).
 */
import {createRequire} from 'node:module'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'

export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKENDS)[number]

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
      if (ok) registerConv2dFilterGradient()
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
  if (want !== undefined && !(BACKENDS as readonly string[]).includes(want)) {
    throw new Error(`unknown backend "${want}" (choose one of auto, ${BACKENDS.join(', ')})`)
  }
  if (current && (want === undefined || want === current)) return current
  const order: BackendName[] = want ? [want as BackendName] : [...BACKENDS]
  for (const b of order) {
    if (await tryBackend(b)) {
      await tf.ready()
      current = b
      log?.(`tfjs backend: ${b}`)
      return b
    }
  }
  const hint = want === 'tfjs-node' || want === 'tfjs-node-gpu' ? ` (install it: npm install @tensorflow/${want})` : ''
  throw new Error(`tfjs backend "${want}" is not available${hint}`)
}

/** The backend chosen so far (undefined before resolveBackend ran). */
export function currentBackend(): BackendName | undefined {
  return current
}

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]]

/**
 * dL/dW of y = conv2d(x, W, strides, pad) for NHWC, dilation 1, using only forward kernels: the padded input with
 * channels as the batch, convolved with dy (batch as input channels) dilated by the stride.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode)
    const {top, bottom, left, right} = info.padInfo
    const sh = info.strideHeight, sw = info.strideWidth
    const [, oh, ow] = dy.shape
    let xp: tf.Tensor4D = x
    if (top || bottom || left || right) xp = x.pad([[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]])
    // rows/cols the forward conv actually read
    const needH = (oh - 1) * sh + kh, needW = (ow - 1) * sw + kw
    xp = xp.slice([0, 0, 0, 0], [-1, needH, needW, -1])
    const xt = xp.transpose([3, 1, 2, 0]) as tf.Tensor4D // [Ci, H, W, N]
    const dyt = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D // [oh, ow, N, Co]
    const g = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [sh, sw]) // [Ci, kh, kw, Co]
    return g.transpose([1, 2, 0, 3]) as tf.Tensor4D
  })
}

let gradientRegistered = false

export function registerConv2dFilterGradient(): void {
  if (gradientRegistered) return
  gradientRegistered = true
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D]
      const a = attrs as unknown as {strides: number | [number, number]; pad: Pad; dilations: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil'}
      const d = typeof a.dilations === 'number' ? [a.dilations, a.dilations] : a.dilations
      if (d[0] !== 1 || d[1] !== 1) throw new Error('Conv2D gradient: dilation is not supported')
      return {
        x: () => tf.conv2dTranspose(dy as tf.Tensor4D, filter, x.shape, a.strides, a.pad as 'valid', a.dimRoundingMode),
        filter: () => conv2dFilterGrad(x, dy as tf.Tensor4D, filter.shape, a.strides, a.pad, a.dimRoundingMode),
      }
    },
  })
}
