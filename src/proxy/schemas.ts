import {z} from 'zod'

/**
 * The API's shapes, in one place: requests are validated with them where they enter, and /openapi.json is generated
 * from the same objects, so the document cannot drift from what the server checks.
 */

export const detectJsonBody = z
  .object({
    image: z.string().min(1).describe('the image file (JPEG, PNG or WebP) as base64; a data: URL prefix is allowed'),
  })
  .strict()

export const detectMultipartBody = z
  .object({image: z.string().describe('the image file (JPEG, PNG or WebP)').meta({format: 'binary'})})

export const minerStatus = z.enum(['ok', 'invalid', 'timeout', 'unreachable', 'refused', 'error'])

export const minerAnswer = z
  .object({
    uid: z.number().int(),
    hotkey: z.string(),
    prediction: z.number().nullable().describe("the miner's probability that the image is AI-generated; null without an answer"),
    latency_s: z.number().describe('seconds from sending to the answer or the failure'),
    status: minerStatus.describe('ok: a valid prediction; invalid: an answer outside 0..1; refused: 401/403 from the axon'),
    status_code: z.number().int().describe('the dendrite status (200, 408 timeout, 503 unreachable, or the axon\'s)'),
    incentive: z.number().describe("the miner's incentive, its weight in the pool's probability"),
  })

export const detectResponse = z
  .object({
    probability: z.number().min(0).max(1).describe('incentive-weighted mean of the valid predictions'),
    verdict: z.enum(['fake', 'real']).describe('fake when probability > 0.5'),
    miners: z.array(minerAnswer),
    responded: z.number().int().describe('miners that answered with a valid prediction (a finite number in 0..1)'),
    queried: z.number().int(),
    block: z.number().int().describe('block of the metagraph the miners were picked from'),
  })

export const errorResponse = z
  .object({
    error: z.string().describe('one line: what was wrong and what to do'),
    status: z.number().int(),
    miners: z.array(minerAnswer).optional().describe('on 503: what each queried miner did'),
  })

export const minerInfo = z
  .object({
    uid: z.number().int(),
    hotkey: z.string(),
    incentive: z.number(),
    stake: z.number(),
    last_latency_s: z.number().nullable().describe('latency of its last answer to this proxy; null before the first'),
    last_status: minerStatus.nullable(),
  })

export const minersResponse = z
  .object({netuid: z.number().int(), block: z.number().int(), k: z.number().int(), miners: z.array(minerInfo)})

export const healthResponse = z
  .object({
    status: z.literal('ok'),
    netuid: z.number().int(),
    hotkey: z.string().describe('the validator hotkey that signs the requests to miners'),
    auth: z.boolean().describe('true when /v1/* needs an API key'),
    block: z.number().int().nullable().describe('block of the cached metagraph; null before the first read'),
  })

export type DetectResponse = z.infer<typeof detectResponse>
export type MinerAnswerJson = z.infer<typeof minerAnswer>
export type MinersResponse = z.infer<typeof minersResponse>
export type HealthResponse = z.infer<typeof healthResponse>
