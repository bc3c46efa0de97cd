import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

import {describe, expect, it} from '@jest/globals'
import sharp, {type Sharp, type SharpOptions} from 'sharp'

import {createRng} from '../../src/config/random.js'
import {augmentChallenge, augmentTrain, randomResizedCropBox} from '../../src/image/augment.js'
import {
  centerCropResize, crop, decodeImage, encodeJpeg, encodePng, flipHorizontal, flipVertical, ImageDecodeError, resize,
  rotate, toNCHW, toNHWC, writeNCHW, type RgbImage,
} from '../../src/image/index.js'
import {resizeBilinearPil} from '../../src/image/resample.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-image-'))

/** A 6×4 image whose pixel (x, y) is (10x, 10y, 200) – positions are recoverable after transforms. */
function gradient(w = 6, h = 4): RgbImage {
  const data = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([10 * x, 10 * y, 200], (y * w + x) * 3)
  return {data, width: w, height: h}
}

function rawSharp(img: RgbImage) {
  return sharp(Buffer.from(img.data), {raw: {width: img.width, height: img.height, channels: 3}})
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!]
}

describe('decodeImage', () => {
  const src = gradient(16, 12)
  it.each([
    ['png', (s: Sharp) => s.png(), 0],
    ['webp lossless', (s: Sharp) => s.webp({lossless: true}), 0],
    ['tiff', (s: Sharp) => s.tiff({compression: 'lzw'}), 0],
    ['jpeg', (s: Sharp) => s.jpeg({quality: 95}), 12],
    ['avif', (s: Sharp) => s.avif({quality: 90}), 30],
    ['gif', (s: Sharp) => s.gif(), 30],
  ])('decodes %s to RGB of the right size', async (_name, enc, tol) => {
    const bytes = await enc(rawSharp(src)).toBuffer()
    const img = await decodeImage(bytes)
    expect([img.width, img.height, img.data.length]).toEqual([16, 12, 16 * 12 * 3])
    let maxErr = 0
    for (let i = 0; i < img.data.length; i++) maxErr = Math.max(maxErr, Math.abs(img.data[i]! - src.data[i]!))
    expect(maxErr).toBeLessThanOrEqual(tol)
  })

  it('takes the first frame of an animated GIF', async () => {
    const red = {data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0)), width: 8, height: 8}
    const blue = {data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 2 ? 255 : 0)), width: 8, height: 8}
    const stacked = Buffer.concat([Buffer.from(red.data), Buffer.from(blue.data)])
    const gif = await sharp(stacked, {raw: {width: 8, height: 16, channels: 3, pageHeight: 8}} as SharpOptions)
      .gif().toBuffer()
    expect((await sharp(gif, {pages: -1}).metadata()).pages).toBe(2)
    const img = await decodeImage(gif)
    expect([img.width, img.height]).toEqual([8, 8])
    expect(pixel(img, 3, 3)[0]).toBeGreaterThan(200)
    expect(pixel(img, 3, 3)[2]).toBeLessThan(50)
  })

  it('applies EXIF orientation', async () => {
    // orientation 6: stored landscape, displayed rotated 90° clockwise → portrait
    const jpeg = await rawSharp(gradient(16, 8)).jpeg({quality: 100}).withMetadata({orientation: 6}).toBuffer()
    const img = await decodeImage(jpeg)
    expect([img.width, img.height]).toEqual([8, 16])
  })

  it('drops alpha and expands greyscale', async () => {
    const rgba = await sharp(Buffer.from(new Uint8Array(4 * 4 * 4).fill(128)), {raw: {width: 4, height: 4, channels: 4}}).png().toBuffer()
    const a = await decodeImage(rgba)
    expect(a.data.length).toBe(4 * 4 * 3)
    const grey = await sharp(Buffer.from(new Uint8Array(16).fill(77)), {raw: {width: 4, height: 4, channels: 1}}).png().toBuffer()
    const g = await decodeImage(grey)
    expect(pixel(g, 1, 1)).toEqual([77, 77, 77])
  })

  it('reads from a path and names the file in every failure, on one line', async () => {
    const good = path.join(tmp, 'good.png')
    writeFileSync(good, await encodePng(gradient()))
    expect((await decodeImage(good)).width).toBe(6)

    const png = await encodePng(gradient(64, 64))
    const truncated = path.join(tmp, 'truncated.png')
    writeFileSync(truncated, png.subarray(0, Math.floor(png.length / 2)))
    const text = path.join(tmp, 'notes.png')
    writeFileSync(text, 'this is not an image\n')
    // a valid 30000×30000 PNG header (and a tiny IDAT) is enough to trip the pixel limit before decoding
    const bomb = path.join(tmp, 'bomb.png')
    writeFileSync(bomb, pngHeader(30000, 30000))
    const missing = path.join(tmp, 'missing.png')

    for (const file of [truncated, text, bomb, missing]) {
      const err = await decodeImage(file).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ImageDecodeError)
      const e = err as ImageDecodeError
      expect(e.file).toBe(file)
      expect(e.message.startsWith(file)).toBe(true)
      expect(e.message).not.toContain('\n')
    }
    const bombErr = (await decodeImage(bomb).catch((e: Error) => e)) as Error
    expect(bombErr.message).toMatch(/pixel limit/)
    const textErr = (await decodeImage(text).catch((e: Error) => e)) as Error
    expect(textErr.message).toMatch(/not an image/)
  })

  it('applies the pixel limit to any format (a JPEG over maxPixels)', async () => {
    const jpeg = await rawSharp(gradient(100, 60)).jpeg().toBuffer()
    await expect(decodeImage(jpeg, {name: 'big.jpg', maxPixels: 5000})).rejects.toThrow(/^big\.jpg: image is larger than the pixel limit \(100x60 > 5000/)
    expect((await decodeImage(jpeg, {maxPixels: 6000})).width).toBe(100)
  })

  it('uses the given name for buffers', async () => {
    await expect(decodeImage(Buffer.from('nope'), {name: 'upload[3]'})).rejects.toThrow(/^upload\[3\]: /)
  })
})

function pngHeader(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(100))), chunk('IEND', Buffer.alloc(0)),
  ])
}

describe('transforms', () => {
  it('crops and centre-crops to the shorter side', async () => {
    const img = gradient(6, 4)
    expect(pixel(crop(img, 2, 1, 3, 2), 0, 0)).toEqual([20, 10, 200])
    const sq = await centerCropResize(img, 4)
    expect([sq.width, sq.height]).toEqual([4, 4])
    expect(pixel(sq, 0, 0)).toEqual([10, 0, 200])
    expect(pixel(sq, 3, 3)).toEqual([40, 30, 200])
    expect(() => crop(img, 4, 0, 3, 1)).toThrow(RangeError)
    // odd margins: Python's round(0.5) = 0 and round(1.5) = 2 (torchvision CenterCrop)
    const odd1 = await centerCropResize(gradient(5, 4), 4)
    expect(pixel(odd1, 0, 0)).toEqual([0, 0, 200])
    const odd3 = await centerCropResize(gradient(7, 4), 4)
    expect(pixel(odd3, 0, 0)).toEqual([20, 0, 200])
  })

  it('resizes bilinearly (a constant stays constant, a ramp stays monotone)', async () => {
    const flat = {data: new Uint8Array(20 * 10 * 3).fill(90), width: 20, height: 10}
    const r = await resize(flat, 7, 5)
    expect([r.width, r.height]).toEqual([7, 5])
    expect(new Set(r.data)).toEqual(new Set([90]))
    const up = await resize(gradient(6, 4), 12, 8)
    for (let x = 1; x < 12; x++) expect(pixel(up, x, 2)[0]!).toBeGreaterThanOrEqual(pixel(up, x - 1, 2)[0]!)
  })

  it('builds NCHW and NHWC tensors with optional normalisation', () => {
    const a = gradient(2, 1), b = gradient(2, 1)
    b.data[0] = 255
    const nchw = toNCHW([a, b])
    expect(nchw.length).toBe(12)
    // image 1, channel 0, x 0
    expect(nchw[6]).toBeCloseTo(1, 6)
    expect(nchw[1]).toBeCloseTo(10 / 255, 6)
    expect(nchw[4]).toBeCloseTo(200 / 255, 6)
    const nhwc = toNHWC([a], {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]})
    expect(nhwc[3]).toBeCloseTo((10 / 255 - 0.5) / 0.5, 6)
    expect(nhwc[2]).toBeCloseTo((200 / 255 - 0.5) / 0.5, 6)
    expect(() => toNCHW([gradient(2, 1), gradient(3, 1)])).toThrow(/mixed sizes/)
  })

  it('flips and rotates', () => {
    const img = gradient(6, 4)
    expect(pixel(flipHorizontal(img), 0, 0)).toEqual([50, 0, 200])
    expect(pixel(flipVertical(img), 0, 0)).toEqual([0, 30, 200])
    expect(rotate(img, 0).data).toEqual(img.data)
    const sq = gradient(5, 5)
    const r90 = rotate(sq, 90)
    const r180 = rotate(sq, 180)
    expect(pixel(r180, 0, 0)).toEqual(pixel(sq, 4, 4))
    expect(pixel(r90, 2, 2)).toEqual(pixel(sq, 2, 2))
    // 90° one way then the other is the identity on a square
    expect(rotate(r90, -90).data).toEqual(sq.data)
    // corners of a 45° rotation are filled black
    expect(pixel(rotate(sq, 45), 0, 0)).toEqual([0, 0, 0])
  })

  it('encodes JPEG and PNG that decode back', async () => {
    const img = gradient(16, 16)
    const png = await decodeImage(await encodePng(img))
    expect(png.data).toEqual(img.data)
    const jpeg = await encodeJpeg(img)
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
    expect((await encodeJpeg(img, 20)).length).toBeLessThan((await encodeJpeg(img, 95)).length)
  })
})

describe('augmentation', () => {
  it('picks square boxes inside the image covering 20–100% of its area', () => {
    const rng = createRng(7)
    for (let i = 0; i < 200; i++) {
      const b = randomResizedCropBox(300, 200, rng)
      expect(b.left + b.side).toBeLessThanOrEqual(300)
      expect(b.top + b.side).toBeLessThanOrEqual(200)
      expect(b.side * b.side).toBeGreaterThanOrEqual(Math.floor(0.2 * 300 * 200) - 300)
    }
  })

  it('augmentChallenge gives size×size, repeats under a seed, differs across seeds', async () => {
    const img = await decodeImage(path.resolve('test/fixtures/images/sample.png'))
    const a = await augmentChallenge(img, createRng(1), 64)
    const b = await augmentChallenge(img, createRng(1), 64)
    const c = await augmentChallenge(img, createRng(2), 64)
    expect([a.width, a.height]).toEqual([64, 64])
    expect(a.data).toEqual(b.data)
    expect(a.data).not.toEqual(c.data)
  })

  it('augmentTrain crops size×size, scaling up small images first', async () => {
    const a = await augmentTrain(gradient(40, 30), createRng(3), 16)
    expect([a.width, a.height]).toEqual([16, 16])
    const b = await augmentTrain(gradient(6, 4), createRng(3), 16)
    expect([b.width, b.height]).toEqual([16, 16])
  })
})

describe('resize matches Pillow BILINEAR (torchvision Resize on PIL images)', () => {
  it.each([[224, 160], [300, 290], [37, 50]])('sample.png → %ix%i equals Pillow 9.4 output', async (w, h) => {
    const src = await decodeImage(path.resolve('test/fixtures/images/sample.png'))
    const want = await decodeImage(path.resolve(`test/fixtures/images/sample-pil-bilinear-${w}x${h}.png`))
    const got = await resize(src, w, h)
    expect([got.width, got.height]).toEqual([w, h])
    let maxErr = 0
    for (let i = 0; i < got.data.length; i++) maxErr = Math.max(maxErr, Math.abs(got.data[i]! - want.data[i]!))
    expect(maxErr).toBe(0)
  })
})

describe('resizing a box in place equals cropping first', () => {
  it.each([224, 320])('centerCropResize(300x290 → %i) equals Pillow crop().resize()', async (size) => {
    const src = await decodeImage(path.resolve('test/fixtures/images/sample-pil-bilinear-300x290.png'))
    const want = await decodeImage(path.resolve(`test/fixtures/images/sample-300x290-centre-crop-pil-bilinear-${size}.png`))
    const got = await centerCropResize(src, size)
    expect([got.width, got.height]).toEqual([size, size])
    expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true)
  })

  it('matches crop() + resize for random images, boxes and targets (both passes, one pass, none)', async () => {
    const rng = createRng(11)
    for (let t = 0; t < 40; t++) {
      const w = 5 + Math.floor(rng() * 60), h = 5 + Math.floor(rng() * 60)
      const img = {data: Uint8Array.from({length: w * h * 3}, () => Math.floor(rng() * 256)), width: w, height: h}
      const bw = 1 + Math.floor(rng() * w), bh = 1 + Math.floor(rng() * h)
      const box = {left: Math.floor(rng() * (w - bw + 1)), top: Math.floor(rng() * (h - bh + 1)), width: bw, height: bh}
      const tw = t % 4 === 0 ? bw : 1 + Math.floor(rng() * 80)
      const th = t % 5 === 0 ? bh : 1 + Math.floor(rng() * 80)
      const want = await resize(crop(img, box.left, box.top, bw, bh), tw, th)
      const got = resizeBilinearPil(img, tw, th, box)
      expect([got.width, got.height]).toEqual([tw, th])
      expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true)
    }
    expect(() => resizeBilinearPil(gradient(6, 4), 3, 3, {left: 4, top: 0, width: 3, height: 2})).toThrow(RangeError)
  })

  it('writeNCHW fills one slot of a batch with x/255 per plane', () => {
    const img = gradient(3, 2)
    const out = new Float32Array(2 * 3 * 6).fill(-1)
    writeNCHW(out, 1, img)
    expect(Array.from(out.subarray(0, 18))).toEqual(Array(18).fill(-1))
    expect(Array.from(out.subarray(18))).toEqual(Array.from(toNCHW([img])))
    expect(out[18 + 6 + 4]).toBe(Math.fround(10 / 255))
  })
})
