import {Command} from '@oclif/core'

import {createLogger, type Logger} from '../config/logger.js'
import {cliMessage} from './messages/index.js'

/**
 * Base for every command: `--json` (oclif prints what `run()` returns), and a logger on stderr so that
 * stdout stays clean for results.
 */
export abstract class BitmindCommand extends Command {
  static override enableJsonFlag = true
  private failed = false

  protected makeLogger(debug = false): Logger {
    return createLogger({level: debug ? 'debug' : 'info'})
  }

  /**
   * Fail with a one-line message and exit code 1 (no stack trace: the message names the input and the fix).
   * Given an error, the CLI's translators (src/cli/messages) turn a library's typed error into flag words and hints.
   */
  protected fail(cause: unknown, exitCode = 1): never {
    const message = typeof cause === 'string' ? cause : cliMessage(cause)
    // --json: oclif prints {"error": …} on stdout. Otherwise one line on stderr, unwrapped (oclif would fold it at
    // the terminal width behind ' ›   ', which splits one message over several lines).
    if (this.jsonEnabled()) this.error(message, {exit: exitCode})
    // a `catch (e) { this.fail(e.message) }` around an earlier fail sees its exit: the line is already out
    if (!this.failed) process.stderr.write(`Error: ${message.replace(/\s*\n\s*/g, ' ')}\n`)
    this.failed = true
    this.exit(exitCode)
  }
}

/**
 * Ask `question` on the terminal unless `yes`; a refusal or a non-terminal stdin without `--yes` is a one-line failure.
 * Returns the failure message, or undefined when confirmed.
 */
export async function confirmed(question: string, yes: boolean): Promise<string | undefined> {
  if (yes) return undefined
  if (!process.stdin.isTTY) return 'confirm with --yes (stdin is not a terminal)'
  const {createInterface} = await import('node:readline/promises')
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase()
    return answer === 'y' || answer === 'yes' ? undefined : 'cancelled: nothing was sent'
  } finally {
    rl.close()
  }
}
