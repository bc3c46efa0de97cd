import * as ort from 'onnxruntime-node'

export const PROVIDERS = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const
export type Provider = (typeof PROVIDERS)[number]

export class ProviderUnavailableError extends Error {}

/**
 * Session options for an execution provider, refusing early (with what this build does have) when
 * onnxruntime-node was installed without it, instead of a native error on the first model.
 */
export function sessionOptions(provider: string = 'cpu'): ort.InferenceSession.SessionOptions {
  const have = ort.listSupportedBackends()
  const entry = have.find((b) => b.name === provider)
  const names = have.map((b) => b.name).join(', ')
  if (!entry) throw new ProviderUnavailableError(`execution provider "${provider}" is not in this onnxruntime-node build (has: ${names})`)
  if (!entry.bundled && provider === 'cuda') {
    // cuda/tensorrt ship as a separate download; the binding lists them even when the libraries are absent.
    return {executionProviders: ['cuda', 'cpu'], graphOptimizationLevel: 'all'}
  }
  return {executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'], graphOptimizationLevel: 'all'}
}

/** Open a session, turning a missing provider library into a one-line error. */
export async function openSession(file: string, provider: string = 'cpu'): Promise<ort.InferenceSession> {
  const opts = sessionOptions(provider)
  try {
    return await ort.InferenceSession.create(file, opts)
  } catch (err) {
    const msg = (err as Error).message
    if (provider !== 'cpu' && /provider|cuda|dll|\.so/i.test(msg)) {
      throw new ProviderUnavailableError(`execution provider "${provider}" could not start for ${file}: ${msg.split('\n')[0]}`)
    }
    throw err
  }
}
