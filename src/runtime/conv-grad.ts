/**
 * A Conv2D gradient built only from forward kernels (conv2d, matMul, pad, slice, transpose), for training
 * speed on backends whose backward kernels are slow or missing. On tfjs-backend-wasm, Conv2DBackpropFilter
 * does not exist and Conv2DBackpropInput is a naive loop: measured on a 32×16×16×64 3×3 conv, the input
 * gradient as a forward conv with the rotated filter takes ~20 ms against ~200 ms, and a 1×1 filter gradient
 * as one matMul ~17 ms against ~210 ms for a transposed-operand matMul.
 *
 * NHWC, dilation 1, groups 1 (what NPR uses). For y = conv(x, W, stride s, pads):
 *   dx = conv(zero-stuffed dy, W rotated 180° with in/out channels swapped), padded K−1−p
 *   dW = Σ x_patch ⊗ dy  — a matMul for 1×1, else a conv of x (channels as batch) with dy (batch as channels)
 *        with dilation s.
 */
import * as tf from '@tensorflow/tfjs'

type Pads = {top: number; bottom: number; left: number; right: number}

function convInfo(x: tf.Tensor4D, filter: tf.Tensor4D, strides: number | [number, number], pad: unknown, dimRoundingMode?: string): {pads: Pads; outH: number; outW: number; sh: number; sw: number} {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, filter.shape as [number, number, number, number], strides, 1,
    pad as 'same' | 'valid' | number, dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  )
  return {pads: info.padInfo, outH: info.outHeight, outW: info.outWidth, sh: info.strideHeight, sw: info.strideWidth}
}

/** Insert s−1 zeros between elements along H and W. */
function zeroStuff(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy
  const [n, oh, ow, c] = dy.shape
  return dy
    .reshape([n, oh, 1, ow, 1, c])
    .pad([[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]])
    .reshape([n, oh * sh, ow * sw, c]) as tf.Tensor4D
}

/** Pad (or crop, for negative amounts) along H and W. */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let r = t
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = r.shape
    const t0 = Math.max(0, -top), l0 = Math.max(0, -left)
    r = r.slice([0, t0, l0, 0], [n, h - t0 - Math.max(0, -bottom), w - l0 - Math.max(0, -right), c])
  }
  const p = [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)]
  if (p.some((v) => v > 0)) r = r.pad([[0, 0], [p[0]!, p[1]!], [p[2]!, p[3]!], [0, 0]])
  return r
}

export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: [number, number, number, number], strides: number | [number, number], pad: unknown, dimRoundingMode?: string): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = xShape
    const [kh, kw] = filter.shape
    const {pads, sh, sw} = convInfo(tf.zeros(xShape) as tf.Tensor4D, filter, strides, pad, dimRoundingMode)
    const z = zeroStuff(dy, sh, sw)
    const [, zh, zw] = z.shape
    const top = kh - 1 - pads.top, left = kw - 1 - pads.left
    const bottom = H + kh - 1 - top - zh, right = W + kw - 1 - left - zw
    const zp = padOrCrop(z, top, bottom, left, right)
    const wRot = tf.reverse(filter, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D
    return tf.conv2d(zp, wRot, 1, 'valid')
  })
}

export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: number | [number, number], pad: unknown, dimRoundingMode?: string): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape
    const {pads, outH, outW, sh, sw} = convInfo(x, tf.zeros(filterShape) as tf.Tensor4D, strides, pad, dimRoundingMode)
    const [n, H, W] = x.shape
    // the input region the conv reads: padded, then trimmed to exactly (out−1)·s + k
    const needH = (outH - 1) * sh + kh, needW = (outW - 1) * sw + kw
    const xp = padOrCrop(x, pads.top, needH - H - pads.top, pads.left, needW - W - pads.left)
    if (kh === 1 && kw === 1) {
      const xs = sh === 1 && sw === 1 ? xp : tf.stridedSlice(xp, [0, 0, 0, 0], [n, needH, needW, ci], [1, sh, sw, 1]) as tf.Tensor4D
      // (dyᵀ x) is contiguous for the matMul kernel; the transposed-operand form is ~10× slower on wasm
      return tf.matMul(dy.reshape([-1, co]).transpose(), xs.reshape([-1, ci])).transpose().reshape([1, 1, ci, co]) as tf.Tensor4D
    }
    const xt = xp.transpose([3, 1, 2, 0]) as tf.Tensor4D // [ci, H', W', n]: channels as the batch
    const dyt = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D // [oh, ow, n, co]: a filter over the batch
    const r = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [sh, sw]) // [ci, kh, kw, co]
    return r.transpose([1, 2, 0, 3]) as tf.Tensor4D
  })
}

let registered = false

/** Replace tfjs's Conv2D gradient with the forward-kernel one above (process-wide, idempotent). */
export function registerFastConv2dGrad(): void {
  if (registered) return
  registered = true
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D]
      const a = attrs as unknown as {strides: number | [number, number]; pad: unknown; dataFormat: string; dilations: number | [number, number]; dimRoundingMode?: string}
      const dil = Array.isArray(a.dilations) ? a.dilations : [a.dilations, a.dilations]
      if (a.dataFormat !== 'NHWC' || dil[0] !== 1 || dil[1] !== 1) {
        throw new Error('fast Conv2D gradient supports NHWC without dilation only')
      }
      return {
        x: () => conv2dInputGrad(dy as tf.Tensor4D, filter, x.shape, a.strides, a.pad, a.dimRoundingMode),
        filter: () => conv2dFilterGrad(x, dy as tf.Tensor4D, filter.shape, a.strides, a.pad, a.dimRoundingMode),
      }
    },
  })
}
