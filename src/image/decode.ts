import {promises as fs} from 'node:fs'

import sharp from 'sharp'

import {ImageDecodeError, type RgbImage} from './types.js'

/** 8192² by default: above any camera photo we expect, far below a decompression bomb. */
export const DEFAULT_MAX_PIXELS = 8192 * 8192

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  if (/pixel limit/i.test(msg)) return 'image is larger than the pixel limit (possible decompression bomb)'
  if (/unsupported image format/i.test(msg)) return 'not an image (unsupported or unrecognised format)'
  if (/premature end|truncated|corrupt|invalid|bad|unexpected end|VipsJpeg|read error|gifload|pngload|webpload|heifload|tiffload/i.test(msg)) {
    return `corrupt or truncated image (${msg.split('\n')[0]!.trim()})`
  }
  return msg.split('\n')[0]!.trim() || 'cannot decode image'
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
  try {
    const {data, info} = await sharp(bytes, {limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, failOn: 'truncated', pages: 1, page: 0})
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
