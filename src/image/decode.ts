import {promises as fs} from 'node:fs'

import sharp from 'sharp'

import {ImageDecodeError, type RgbImage} from './types.js'

/** 8192² by default: above any camera photo we expect, far below a decompression bomb. */
export const DEFAULT_MAX_PIXELS = 8192 * 8192

/** Declared size from a PNG or GIF header, read directly (libvips refuses headers without image data). */
function sniffSize(b: Buffer): {width: number; height: number} | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
    return {width: b.readUInt32BE(16), height: b.readUInt32BE(20)}
  }
  if (b.length >= 10 && b.toString('latin1', 0, 4) === 'GIF8') return {width: b.readUInt16LE(6), height: b.readUInt16LE(8)}
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b)
  return undefined
}

/** The frame size of a JPEG from its first SOFn marker segment; undefined when the marker walk goes wrong. */
function jpegSize(b: Buffer): {width: number; height: number} | undefined {
  let p = 2
  while (p + 9 <= b.length) {
    if (b[p] !== 0xff) return undefined
    const m = b[p + 1]!
    if (m === 0xff) {
      p++ // fill byte
      continue
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += 2 // standalone markers
      continue
    }
    const len = b.readUInt16BE(p + 2)
    if (len < 2) return undefined
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      const height = b.readUInt16BE(p + 5), width = b.readUInt16BE(p + 7)
      return width > 0 && height > 0 ? {width, height} : undefined
    }
    if (m === 0xda || m === 0xd9) return undefined // scan data before any frame header
    p += 2 + len
  }
  return undefined
}

function describe(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim().replace(/:$/, '')
  if (/pixel limit/i.test(msg)) return 'image is larger than the pixel limit (possible decompression bomb)'
  if (/unsupported image format/i.test(msg)) return 'not an image (unsupported or unrecognised format)'
  if (/premature end|truncated|corrupt|invalid|bad|unexpected end|VipsJpeg|read error|gifload|pngload|webpload|heifload|tiffload/i.test(msg)) {
    return `corrupt or truncated image (${msg.split('\n')[0]!.trim()})`
  }
  return msg.split('\n')[0]!.trim().replace(/:$/, '') || 'cannot decode image'
}

/**
 * Decode any format sharp reads (JPEG, PNG, WebP, GIF first frame, AVIF, TIFF, …) into RGB: EXIF orientation applied,
 * alpha dropped (as PIL's convert('RGB') does), greyscale expanded. Every failure is an ImageDecodeError naming the file.
 */
export async function decodeImage(input: Buffer | string, opts: {name?: string; maxPixels?: number} = {}): Promise<RgbImage> {
  const name = opts.name ?? (typeof input === 'string' ? input : '<buffer>')
  let bytes: Buffer
  if (typeof input === 'string') {
    try {
      bytes = await fs.readFile(input)
    } catch (err) {
      throw new ImageDecodeError(name, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : describe(err))
    }
  } else {
    bytes = input
  }
  if (bytes.length === 0) throw new ImageDecodeError(name, 'empty file')
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  // the header alone says how big the image claims to be: refuse bombs before any pixel is decoded
  const header = sniffSize(bytes) ?? (await sharp(bytes, {limitInputPixels: false}).metadata().catch(() => undefined))
  if (header?.width && header.height && header.width * header.height > maxPixels) {
    throw new ImageDecodeError(name, `image is larger than the pixel limit (${header.width}x${header.height} > ${maxPixels} pixels; possible decompression bomb)`)
  }
  try {
    const {data, info} = await sharp(bytes, {limitInputPixels: maxPixels, failOn: 'truncated', pages: 1, page: 0})
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({resolveWithObject: true})
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`)
    return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height}
  } catch (err) {
    throw new ImageDecodeError(name, describe(err))
  }
}
