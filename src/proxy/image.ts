import {decodeImage, encodeJpeg} from '../image/index.js'
import {ImageSynapse, imageSynapseFields} from '../protocol/image-synapse.js'
import {HttpError} from './errors.js'

/** The validator's challenge JPEG: PIL's default quality, as ChallengeBuilder encodes (src/validator/challenge.ts). */
export const CHALLENGE_JPEG_QUALITY = 75

/** Largest image file accepted: its base64 must fit the ImageSynapse `image` field the axon accepts. */
export const MAX_IMAGE_BYTES = Math.floor((imageSynapseFields.shape.image.unwrap().maxLength ?? 16 * 1024 * 1024) / 4) * 3

/**
 * An uploaded file as the miners will see it: checked exactly as the axon checks an ImageSynapse (format, pixel limit,
 * size), then decoded and re-encoded as the validator encodes a challenge, without augmentation — the user asks about
 * their own image. Every refusal is an HttpError with a one-line reason.
 */
export async function challengeFromUpload(upload: Buffer | {base64: string}): Promise<string> {
  const base64 = Buffer.isBuffer(upload) ? upload.toString('base64') : upload.base64
  if (base64.length === 0) throw new HttpError(400, 'image is empty: send a JPEG, PNG or WebP file in the "image" field')
  const fields = imageSynapseFields.safeParse({image: base64})
  if (!fields.success) throw new HttpError(413, `image is larger than ${MAX_IMAGE_BYTES} bytes, the most an ImageSynapse carries`)
  try {
    await ImageSynapse.validate!(fields.data)
  } catch (err) {
    throw new HttpError(400, `${(err as Error).message.split('\n')[0]}`)
  }
  let jpeg: Buffer
  try {
    const bytes = Buffer.isBuffer(upload) ? upload : Buffer.from(base64, 'base64')
    jpeg = await encodeJpeg(await decodeImage(bytes, {name: 'image'}), CHALLENGE_JPEG_QUALITY)
  } catch (err) {
    throw new HttpError(400, (err as Error).message.split('\n')[0]!)
  }
  return jpeg.toString('base64')
}
