/** Turns typed errors of the neurons libraries into command-line words (flag names, the command to run next). */
export function neuronsMessage(_err: unknown): string | undefined {
  return undefined
}
