import {describe, expect, it} from '@jest/globals'
import sharp from 'sharp'

import {EsrganSource, esrganModelDir, esrganUpscale, loadEsrganModel} from '../../src/generation/esrgan.js'

/** A smooth test card: colour gradients plus a few edges, like a downscaled photo. */
async function card(size: number) {
  const raw = new Uint8Array(size * size * 3)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3
      raw[i] = Math.round((255 * x) / size)
      raw[i + 1] = Math.round((255 * y) / size)
      raw[i + 2] = x > size / 2 && y < size / 2 ? 220 : 40
    }
  return {data: raw, width: size, height: size}
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2
  return 10 * Math.log10((255 * 255) / (se / a.length))
}

describe('ESRGAN (real @upscalerjs/esrgan-slim weights on tfjs)', () => {
  it('upscales a small image x2 with the slim model, close to the original picture', async () => {
    expect(esrganModelDir('slim', 2)).toMatch(/esrgan-slim[\\/]models[\\/]x2$/)
    const model = await loadEsrganModel('slim', 2, {backend: 'wasm'})
    const hr = await card(64)
    const {data} = await sharp(Buffer.from(hr.data), {raw: {width: 64, height: 64, channels: 3}}).resize(32, 32, {kernel: 'lanczos3'}).raw().toBuffer({resolveWithObject: true})
    const up = await esrganUpscale(model, {data: new Uint8Array(data), width: 32, height: 32})
    expect([up.width, up.height]).toEqual([64, 64])
    // a working super-resolution net lands near the original; random or broken weights do not
    expect(psnr(up.data, hr.data)).toBeGreaterThan(22)
  })

  it('tiles large inputs with enough overlap to match the whole-image result exactly', async () => {
    const model = await loadEsrganModel('slim', 2, {backend: 'wasm'})
    const W = 60
    const H = 44
    const img = {data: new Uint8Array(W * H * 3).map((_, i) => (Math.sin(i / 7) * 100 + 128 + ((i * 31) % 23)) | 0), width: W, height: H}
    const whole = await esrganUpscale(model, img, {tile: 1000})
    const tiled = await esrganUpscale(model, img, {tile: 20})
    expect([tiled.width, tiled.height]).toEqual([120, 88])
    expect(Buffer.from(tiled.data).equals(Buffer.from(whole.data))).toBe(true)
    // without context the seams show: the tiles really were run separately
    const seams = await esrganUpscale(model, img, {tile: 20, overlap: 0})
    expect(Buffer.from(seams.data).equals(Buffer.from(whole.data))).toBe(false)
  })

  it('is a SyntheticSource: round-trips a base image at its own size and says how', async () => {
    const src = new EsrganSource({pkg: 'slim', scale: 2, backend: 'wasm'})
    expect(src.name).toBe('esrgan-slim-x2')
    const base = await card(40)
    const {image, meta} = await src.generate({baseImage: base})
    expect([image.width, image.height]).toEqual([40, 40])
    expect(meta).toMatchObject({generator: 'esrgan-slim-x2', scale: 2, package: '@upscalerjs/esrgan-slim'})
    expect(psnr(image.data, base.data)).toBeGreaterThan(20)
    expect(Buffer.from(image.data).equals(Buffer.from(base.data))).toBe(false)
    const noise = await src.generate({width: 24, height: 16, seed: 3})
    expect([noise.image.width, noise.image.height]).toEqual([24, 16])
    await src.dispose()
  })
})
