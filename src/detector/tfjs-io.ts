/**
 * Our own weights format: a folder with model.json (tfjs weightsManifest layout, PyTorch names and shapes) and
 * weights.bin. Written through tfjs's encodeWeights and a plain fs write (no file:// handler without tfjs-node).
 */
import {promises as fs} from 'node:fs'
import path from 'node:path'

import * as tf from '@tensorflow/tfjs'
import {z} from 'zod'

import {NprNet} from './npr.js'
import type {StateDict} from './state-dict.js'

export const TFJS_FORMAT = 'bitmind-npr-v1'

const ModelJson = z.object({
  format: z.literal(TFJS_FORMAT),
  architecture: z.string(),
  inputSize: z.number().int().positive().optional(),
  weightsManifest: z.array(z.object({
    paths: z.array(z.string()).length(1),
    weights: z.array(z.object({name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32')})),
  })).length(1),
})

export async function saveStateDict(sd: StateDict, dir: string, meta: {architecture?: string; inputSize?: number} = {}): Promise<void> {
  const named: tf.NamedTensorMap = {}
  for (const [k, v] of sd) named[k] = tf.tensor(v.data, v.shape, 'float32')
  try {
    const {data, specs} = await tf.io.encodeWeights(named)
    const modelJson = {
      format: TFJS_FORMAT,
      architecture: meta.architecture ?? 'npr-resnet50-layer2',
      ...(meta.inputSize ? {inputSize: meta.inputSize} : {}),
      weightsManifest: [{paths: ['weights.bin'], weights: specs}],
    }
    await fs.mkdir(dir, {recursive: true})
    // weights first, model.json last: a watcher that sees model.json change finds matching weights
    await writeAtomic(path.join(dir, 'weights.bin'), Buffer.from(data))
    await writeAtomic(path.join(dir, 'model.json'), Buffer.from(JSON.stringify(modelJson, null, 1)))
  } finally {
    tf.dispose(Object.values(named))
  }
}

async function writeAtomic(file: string, bytes: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await fs.writeFile(tmp, bytes)
  await fs.rename(tmp, file)
}

export async function readStateDict(dir: string): Promise<{sd: StateDict; architecture: string; inputSize?: number}> {
  const jsonPath = path.join(dir, 'model.json')
  let parsed: z.infer<typeof ModelJson>
  try {
    parsed = ModelJson.parse(JSON.parse(await fs.readFile(jsonPath, 'utf8')))
  } catch (err) {
    const why = err instanceof z.ZodError ? 'not a bitmind tfjs model.json' : (err as Error).message.split('\n')[0]
    throw new Error(`${jsonPath}: ${why}`)
  }
  const group = parsed.weightsManifest[0]!
  const bin = await fs.readFile(path.join(dir, group.paths[0]!))
  const need = group.weights.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0)
  if (bin.length !== need) throw new Error(`${dir}: weights file has ${bin.length} bytes, model.json describes ${need}`)
  const sd: StateDict = new Map()
  let off = 0
  for (const w of group.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1)
    sd.set(w.name, {shape: w.shape, data: new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + 4 * n))})
    off += 4 * n
  }
  return {sd, architecture: parsed.architecture, ...(parsed.inputSize ? {inputSize: parsed.inputSize} : {})}
}

export async function saveTfjsModel(net: NprNet, dir: string, meta: {inputSize?: number} = {}): Promise<void> {
  await saveStateDict(net.stateDict(), dir, meta)
}

export async function loadTfjsModel(dir: string): Promise<NprNet> {
  const {sd} = await readStateDict(dir)
  return NprNet.fromStateDict(sd, dir)
}
