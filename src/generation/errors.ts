/**
 * An image size setting that is not WIDTHxHEIGHT in positive multiples of 8; `field` names the setting. (Its own
 * module, without onnxruntime, so that the CLI's message translators load it cheaply.)
 */
export class ImageSizeError extends Error {
  constructor(readonly field: string, readonly requirement: string, readonly got: string) {
    super(`${field} ${requirement}, got ${got}`)
    this.name = 'ImageSizeError'
  }
}
