/** Turns typed errors of the chain libraries into command-line words (flag names, the command to run next). */
export function chainMessage(_err: unknown): string | undefined {
  return undefined
}
