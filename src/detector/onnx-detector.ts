/** Any ONNX image detector on onnxruntime-node, preprocessed as its metadata_props declare (see onnx-meta.ts). */
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import * as ort from 'onnxruntime-node'

import {ProviderUnavailableError} from '../runtime/errors.js'
import {openOnnxSession} from '../runtime/onnx-session.js'
import {centerCropResize, writeNCHW, writeNHWC, type RgbImage} from '../image/index.js'
import {sigmoid, type Detector} from './detector.js'
import {parseDetectorMetadata, readOnnxMetadataProps, type DetectorMetadata} from './onnx-meta.js'

export interface OnnxDetectorOptions {
  /** execution provider: cpu (default) or cuda (needs the CUDA build of onnxruntime-node) */
  provider?: string
  /** intra-op threads; default: all cores */
  threads?: number
  /**
   * let ONNX Runtime's idle threads spin-wait for work (default false): spinning burns CPU that the decode, the
   * HTTP server and other processes need; without it the model took 20–35 % less CPU and less wall time on a
   * loaded 2-core machine (BENCHMARKS.md)
   */
  spin?: boolean
  name?: string
}

export class OnnxDetector implements Detector {
  readonly engine = 'onnx'

  private constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly meta: DetectorMetadata,
    private readonly session: ort.InferenceSession,
    private readonly outputName: string,
  ) {}

  static async load(model: string | Uint8Array, opts: OnnxDetectorOptions = {}): Promise<OnnxDetector> {
    const label = opts.name ?? (typeof model === 'string' ? path.basename(model) : 'onnx-model')
    const bytes = typeof model === 'string' ? await fs.readFile(model) : model
    let meta: DetectorMetadata
    let session: ort.InferenceSession
    try {
      meta = parseDetectorMetadata(readOnnxMetadataProps(bytes))
      session = await openOnnxSession(bytes, {
        provider: opts.provider,
        threads: opts.threads ?? os.availableParallelism(),
        interOpThreads: 1,
        spin: opts.spin ?? false,
        label,
      })
    } catch (err) {
      if (err instanceof ProviderUnavailableError) throw err
      throw new Error(`${label}: cannot load ONNX model: ${(err as Error).message.split('\n')[0]}`)
    }
    const input = session.inputMetadata[0]
    let inputSize = meta.inputSize
    if (inputSize === undefined && input?.isTensor) {
      const dims = input.shape
      const h = meta.layout === 'NCHW' ? dims[2] : dims[1]
      if (typeof h === 'number' && h > 0) inputSize = h
    }
    const outputName = session.outputNames.includes('probability') ? 'probability' : session.outputNames[0]!
    return new OnnxDetector(label, inputSize ?? 224, meta, session, outputName)
  }

  /** Scores for an already preprocessed batch (x/255 then the declared normalisation, in the declared layout). */
  async run(batch: Float32Array, n: number): Promise<number[]> {
    const s = this.inputSize
    const dims = this.meta.layout === 'NCHW' ? [n, 3, s, s] : [n, s, s, 3]
    const feeds = {[this.session.inputNames[0]!]: new ort.Tensor('float32', batch, dims)}
    const out = await this.session.run(feeds, [this.outputName])
    const t = out[this.outputName]!
    const data = t.data as Float32Array
    // [N], [N, 1]: one score per image; [N, 2]: two-class scores, take the "fake" column
    const per = data.length / n
    if (!Number.isInteger(per) || per < 1 || per > 2) throw new Error(`${this.name}: output ${this.outputName} has shape [${t.dims.join(', ')}] for ${n} images`)
    const scores = Array.from({length: n}, (_, i) => data[i * per + per - 1]!)
    Object.values(out).forEach((v) => v.dispose())
    return this.meta.output === 'logit' ? scores.map(sigmoid) : scores
  }

  async predict(images: RgbImage[]): Promise<number[]> {
    if (images.length === 0) return []
    const s = this.inputSize
    const norm = {...(this.meta.mean ? {mean: this.meta.mean} : {}), ...(this.meta.std ? {std: this.meta.std} : {})}
    const batch = new Float32Array(images.length * 3 * s * s)
    const write = this.meta.layout === 'NCHW' ? writeNCHW : writeNHWC
    for (const [n, im] of images.entries()) write(batch, n, await centerCropResize(im, s), norm)
    return this.run(batch, images.length)
  }

  async dispose(): Promise<void> {
    await this.session.release()
  }
}
