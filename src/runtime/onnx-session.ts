/**
 * The one place that opens ONNX Runtime sessions (detectors, diffusion pipelines, calibration graphs): one check
 * of the execution provider against this onnxruntime-node build, one translation of a provider that fails to start.
 * See docs/ARCHITECTURE.md § Detector and § Diffusion.
 */
import * as ort from 'onnxruntime-node'

import {ProviderUnavailableError} from './errors.js'

export const PROVIDERS = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const
export type Provider = (typeof PROVIDERS)[number]

export interface SessionTuning {
  /** intra-op threads (ONNX Runtime's default when absent) */
  threads?: number
  /** inter-op threads (ONNX Runtime's default when absent) */
  interOpThreads?: number
  /** when given, whether idle intra- and inter-op threads spin-wait for work (ONNX Runtime spins by default) */
  spin?: boolean
  /**
   * ONNX Runtime's memory pattern (one planned block per run after the first; default on). Off suits graphs with
   * gigabytes of intermediates (the training step): the planned block's first use costs a run twice as long and
   * twice the memory.
   */
  memPattern?: boolean
}

export interface OpenOnnxOptions extends SessionTuning {
  /** execution provider (default cpu) */
  provider?: string
  /** the model's name in errors (default: its path, or "ONNX model" for bytes) */
  label?: string
}

function supportedProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name)
}

/**
 * Session options for an execution provider, refusing early (with what this build does have) when
 * onnxruntime-node was installed without it, instead of a native error on the first model. Nodes the provider
 * cannot run fall back to the cpu provider.
 */
export function onnxSessionOptions(provider: string = 'cpu', tuning: SessionTuning = {}): ort.InferenceSession.SessionOptions {
  const have = supportedProviders()
  if (!have.includes(provider)) throw new ProviderUnavailableError(provider, have)
  const spin = tuning.spin === undefined ? undefined : tuning.spin ? '1' : '0'
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    ...(tuning.threads !== undefined ? {intraOpNumThreads: tuning.threads} : {}),
    ...(tuning.interOpThreads !== undefined ? {interOpNumThreads: tuning.interOpThreads} : {}),
    ...(tuning.memPattern !== undefined ? {enableMemPattern: tuning.memPattern} : {}),
    ...(spin !== undefined ? {extra: {session: {intra_op: {allow_spinning: spin}, inter_op: {allow_spinning: spin}}}} : {}),
  }
}

/** Open a session on a model file or its bytes, turning a provider that cannot start into a ProviderUnavailableError. */
export async function openOnnxSession(model: string | Uint8Array, opts: OpenOnnxOptions = {}): Promise<ort.InferenceSession> {
  const provider = opts.provider ?? 'cpu'
  const options = onnxSessionOptions(provider, opts)
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options)
  } catch (err) {
    const msg = (err as Error).message
    if (provider !== 'cpu' && /provider|cuda|dll|\.so/i.test(msg)) {
      const label = opts.label ?? (typeof model === 'string' ? model : 'ONNX model')
      throw new ProviderUnavailableError(provider, supportedProviders(), label, msg.split('\n')[0])
    }
    throw err
  }
}
