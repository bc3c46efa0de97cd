/**
 * The runtime's typed errors, in a module without tfjs or onnxruntime so that the CLI's message translators can
 * test for them without loading either.
 */
export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKENDS)[number]

/** A backend name that is none of `auto` and BACKENDS. */
export class UnknownBackendError extends Error {
  constructor(readonly backend: string) {
    super(`unknown backend "${backend}" (choose one of auto, ${BACKENDS.join(', ')})`)
    this.name = 'UnknownBackendError'
  }
}

/** A backend that was asked for by name and could not load (tfjs-node(-gpu): not installed). */
export class BackendUnavailableError extends Error {
  constructor(readonly backend: BackendName | undefined) {
    const hint = backend === 'tfjs-node' || backend === 'tfjs-node-gpu' ? ` (install it: npm install @tensorflow/${backend})` : ''
    super(`tfjs backend "${backend}" is not available${hint}`)
    this.name = 'BackendUnavailableError'
  }
}

/**
 * An execution provider this process cannot use: not compiled into the onnxruntime-node build (`model` undefined),
 * or listed but failing to start for `model` (cuda/tensorrt ship as a separate download that may be absent).
 */
export class ProviderUnavailableError extends Error {
  constructor(
    readonly provider: string,
    /** the providers this build lists */
    readonly available: readonly string[],
    readonly model?: string,
    /** the first line of ONNX Runtime's own error, when the provider failed to start */
    readonly detail?: string,
  ) {
    super(model === undefined
      ? `execution provider "${provider}" is not in this onnxruntime-node build (has: ${available.join(', ')})`
      : `execution provider "${provider}" could not start for ${model}: ${detail}`)
    this.name = 'ProviderUnavailableError'
  }
}
