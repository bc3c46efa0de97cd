/** Turns typed errors of the runtime libraries into command-line words (flag names, the command to run next). */
export function runtimeMessage(_err: unknown): string | undefined {
  return undefined
}
