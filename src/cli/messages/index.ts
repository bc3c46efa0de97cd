import {chainMessage} from './chain.js'
import {miscMessage} from './misc.js'
import {neuronsMessage} from './neurons.js'
import {runtimeMessage} from './runtime.js'

/**
 * Libraries throw typed errors that name the bad value; only the CLI knows which flag set it and what to run next.
 * Each translator returns the command-line message for the errors it knows, or undefined.
 */
const translators: ReadonlyArray<(err: unknown) => string | undefined> = [chainMessage, neuronsMessage, runtimeMessage, miscMessage]

export function cliMessage(err: unknown): string {
  for (const translate of translators) {
    const message = translate(err)
    if (message !== undefined) return message
  }
  return err instanceof Error ? err.message : String(err)
}
