import {z} from 'zod'

import {detectJsonBody, detectMultipartBody, detectResponse, errorResponse, healthResponse, minerAnswer, minerInfo, minersResponse} from './schemas.js'

const NAMED = {
  DetectJsonRequest: detectJsonBody,
  DetectMultipartRequest: detectMultipartBody,
  DetectResponse: detectResponse,
  MinerAnswer: minerAnswer,
  MinerInfo: minerInfo,
  MinersResponse: minersResponse,
  Health: healthResponse,
  Error: errorResponse,
} as const

/** JSON Schemas (2020-12, the dialect of OpenAPI 3.1) of the API's zod schemas, cross-referenced by component name. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{id: string}>()
  for (const [id, schema] of Object.entries(NAMED)) registry.add(schema, {id})
  const {schemas} = z.toJSONSchema(registry, {target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, io: 'output'})
  // each component is embedded in the document, so its own $schema/$id would only confuse validators
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => {
    const {$schema: _s, $id: _i, ...rest} = s as Record<string, unknown>
    return [id, rest]
  }))
}

const ref = (name: keyof typeof NAMED) => ({$ref: `#/components/schemas/${name}`})
const json = (name: keyof typeof NAMED) => ({'application/json': {schema: ref(name)}})
const err = (description: string) => ({description, content: json('Error')})

/** The OpenAPI 3.1 document served at /openapi.json. */
export function openApiDocument(opts: {version: string; auth: boolean}): Record<string, unknown> {
  const security = opts.auth ? [{bearer: []}] : []
  return {
    openapi: '3.1.0',
    info: {
      title: 'bitmind validator proxy',
      version: opts.version,
      description: "Ask a BitMind subnet's miners whether an image is AI-generated. The validator's hotkey signs the requests to the miners; the answer is the incentive-weighted mean of their valid predictions.",
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {bearer: {type: 'http', scheme: 'bearer', description: 'a key from `bitmind proxy keys add` (needed when the proxy has keys)'}},
    },
    paths: {
      '/v1/detect': {
        post: {
          summary: "The pool's verdict on one image",
          security,
          requestBody: {
            required: true,
            content: {'multipart/form-data': {schema: ref('DetectMultipartRequest')}, ...json('DetectJsonRequest')},
          },
          responses: {
            200: {description: "the pool's answer", content: json('DetectResponse')},
            400: err('not a JPEG/PNG/WebP image, truncated, or above the pixel limit'),
            401: err('missing, unknown or revoked API key'),
            413: err('the body or the image is larger than the limit'),
            415: err('neither multipart/form-data nor application/json'),
            429: err('over the rate limit; see the Retry-After header'),
            503: err('no miner answered validly (or none is serving)'),
          },
        },
      },
      '/v1/miners': {
        get: {
          summary: 'The uids the proxy would query now',
          security,
          responses: {200: {description: 'top miners by incentive (ties: stake)', content: json('MinersResponse')}, 401: err('missing, unknown or revoked API key'), 429: err('over the rate limit')},
        },
      },
      '/healthz': {get: {summary: 'Liveness', responses: {200: {description: 'the proxy is up', content: json('Health')}}}},
      '/metrics': {get: {summary: 'Prometheus metrics', responses: {200: {description: 'text exposition format', content: {'text/plain': {schema: {type: 'string'}}}}}}},
      '/openapi.json': {get: {summary: 'This document', responses: {200: {description: 'OpenAPI 3.1', content: {'application/json': {schema: {type: 'object'}}}}}}},
    },
  }
}
