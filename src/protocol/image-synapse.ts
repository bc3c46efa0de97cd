import sharp from 'sharp'
import {z} from 'zod'

import type {SynapseType} from './synapse.js'

/** Largest decoded image an axon accepts (40 MP): bigger headers are decompression bombs, not challenges. */
export const MAX_CHALLENGE_PIXELS = 40_000_000
const MAX_IMAGE_BASE64 = 16 * 1024 * 1024

export const imageSynapseFields = z.object({
  image: z.string().max(MAX_IMAGE_BASE64).default(''),
  prediction: z.number().default(-1),
})

export type ImageSynapseFields = z.infer<typeof imageSynapseFields>

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

async function validateImage(fields: ImageSynapseFields): Promise<void> {
  if (fields.image.length === 0) throw new Error('image is empty')
  if (!BASE64.test(fields.image)) throw new Error('image is not base64')
  await checkChallengeImage(Buffer.from(fields.image, 'base64'))
}

/**
 * Rejects anything that is not a decodable JPEG/PNG/WebP within the pixel limit, without decoding pixels: the one
 * image check of every transport (ImageSynapse's base64 field, Epistula's raw body).
 */
export async function checkChallengeImage(bytes: Buffer): Promise<void> {
  if (bytes.length === 0) throw new Error('image is empty')
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>
  try {
    meta = await sharp(bytes, {limitInputPixels: MAX_CHALLENGE_PIXELS}).metadata()
  } catch (err) {
    throw new Error(`image is not a readable image (${(err as Error).message})`)
  }
  if (!meta.format || !['jpeg', 'png', 'webp'].includes(meta.format)) throw new Error(`image format ${meta.format ?? 'unknown'} is not JPEG, PNG or WebP`)
  const pixels = (meta.width ?? 0) * (meta.height ?? 0)
  if (pixels === 0 || pixels > MAX_CHALLENGE_PIXELS) {
    throw new Error(`image of ${meta.width}x${meta.height} exceeds ${MAX_CHALLENGE_PIXELS} pixels`)
  }
}

/**
 * BitMind's `ImageSynapse` (bitmind-subnet `bitmind/protocol.py`, testnet-168 era): `image` is a base64 JPEG,
 * `prediction` the miner's probability that it is AI-generated (default −1 = no answer). It declares no required
 * hash fields, so its body hash is SHA3-256 of the empty string.
 */
export const ImageSynapse: SynapseType<ImageSynapseFields> = {
  name: 'ImageSynapse',
  fields: imageSynapseFields,
  fieldOrder: ['image', 'prediction'],
  floatFields: ['prediction'],
  requiredHashFields: [],
  requiredFields: [],
  validate: validateImage,
}
