/** An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC). */
export interface RgbImage {
  data: Uint8Array
  width: number
  height: number
}

/** Any failure to turn bytes into pixels: names the file so a batch can report and skip it. */
export class ImageDecodeError extends Error {
  readonly file: string

  constructor(file: string, reason: string) {
    super(`${file}: ${reason.split('\n')[0]}`)
    this.name = 'ImageDecodeError'
    this.file = file
  }
}
