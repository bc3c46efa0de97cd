/** Turns typed errors of the misc libraries into command-line words (flag names, the command to run next). */
export function miscMessage(_err: unknown): string | undefined {
  return undefined
}
