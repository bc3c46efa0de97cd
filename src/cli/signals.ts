const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const
type StopSignal = (typeof STOP_SIGNALS)[number]

export interface SignalStop {
  /** Aborted on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal
  /** Removes the handlers (a command that returns must not leave them behind). */
  dispose(): void
}

/**
 * A long-running command's stop: the first SIGINT/SIGTERM calls `onFirst` and aborts `signal` so the work can
 * finish its step and save; a second one calls `onSecond` and exits at once with 130 (the shell's Ctrl-C code).
 */
export function stopOnSignals(onFirst: (sig: StopSignal) => void, onSecond?: (sig: StopSignal) => void): SignalStop {
  const controller = new AbortController()
  const handler = (sig: StopSignal) => {
    if (controller.signal.aborted) {
      onSecond?.(sig)
      process.exit(130)
    }
    onFirst(sig)
    controller.abort()
  }
  for (const sig of STOP_SIGNALS) process.on(sig, handler)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const sig of STOP_SIGNALS) process.off(sig, handler)
    },
  }
}

/** Resolves with the name of the first SIGINT or SIGTERM (for commands that serve until stopped). */
export function untilSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const handler = (sig: StopSignal) => {
      for (const s of STOP_SIGNALS) process.off(s, handler)
      resolve(sig)
    }
    for (const sig of STOP_SIGNALS) process.on(sig, handler)
  })
}
