import {existsSync, promises as fs} from 'node:fs'
import path from 'node:path'

import type {Detector, Engine} from './detector.js'
import {buildNprOnnx} from './onnx-export.js'
import {OnnxDetector} from './onnx-detector.js'
import {importPth} from './pth.js'
import type {StateDict} from './state-dict.js'

// tfjs costs ~0.3–0.6 s to import: the modules that need it are loaded only when a tfjs model or engine is used.

export interface LoadDetectorOptions {
  /** tfjs backend (auto, tfjs-node-gpu, tfjs-node, wasm, cpu) */
  backend?: string
  /** ONNX Runtime execution provider (cpu, cuda) */
  provider?: string
  /** which engine runs NPR weights (.pth or a tfjs folder); .onnx files always run on ONNX Runtime. Default tfjs. */
  engine?: Engine
  inputSize?: number
  threads?: number
  log?: (line: string) => void
}

export class ModelNotFoundError extends Error {
  constructor(readonly modelPath: string) {
    super(`no model at ${modelPath}`)
    this.name = 'ModelNotFoundError'
  }
}

/**
 * Open a detector from a file or folder: `.onnx` (any ONNX detector with declared metadata), `.pth` (an NPR
 * state_dict from PyTorch), or a folder holding our tfjs format (model.json + weights.bin) or a model.onnx.
 */
export async function loadDetector(modelPath: string, opts: LoadDetectorOptions = {}): Promise<Detector> {
  if (!existsSync(modelPath)) throw new ModelNotFoundError(modelPath)
  const stat = await fs.stat(modelPath)
  const name = path.basename(modelPath)
  const size = opts.inputSize ?? 224
  let sd: StateDict
  let inputSize = size
  if (stat.isDirectory()) {
    if (existsSync(path.join(modelPath, 'model.json'))) {
      const {readStateDict} = await import('./tfjs-io.js')
      const r = await readStateDict(modelPath)
      sd = r.sd
      inputSize = opts.inputSize ?? r.inputSize ?? 224
    } else if (existsSync(path.join(modelPath, 'model.onnx'))) {
      return OnnxDetector.load(path.join(modelPath, 'model.onnx'), onnxOpts(opts, name))
    } else {
      throw new Error(`${modelPath}: folder has neither model.json (tfjs) nor model.onnx`)
    }
  } else if (modelPath.endsWith('.onnx')) {
    return OnnxDetector.load(modelPath, onnxOpts(opts, name))
  } else if (/\.(pth|pt|bin|ckpt)$/.test(modelPath)) {
    sd = await importPth(modelPath)
  } else {
    throw new Error(`${modelPath}: unknown model type (expected .onnx, .pth or a tfjs model folder)`)
  }

  if ((opts.engine ?? 'tfjs') === 'onnx') {
    let bytes: Buffer
    try {
      bytes = buildNprOnnx(sd, {inputSize})
    } catch (err) {
      throw new Error(`${modelPath}: ${(err as Error).message}`)
    }
    return OnnxDetector.load(bytes, onnxOpts(opts, name))
  }
  const [{resolveBackend}, {NprNet}, {TfjsDetector}] = await Promise.all([import('../runtime/tfjs-backend.js'), import('./npr.js'), import('./tfjs-detector.js')])
  await resolveBackend(opts.backend, opts.log)
  return new TfjsDetector(NprNet.fromStateDict(sd, modelPath), name, inputSize)
}

function onnxOpts(opts: LoadDetectorOptions, name: string) {
  return {name, ...(opts.provider ? {provider: opts.provider} : {}), ...(opts.threads ? {threads: opts.threads} : {})}
}
