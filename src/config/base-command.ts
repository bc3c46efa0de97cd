import {Command} from '@oclif/core'

import {createLogger, type Logger} from './logger.js'

/**
 * Base for every command: `--json` (oclif prints what `run()` returns), and a logger on stderr so that
 * stdout stays clean for results.
 */
export abstract class BitmindCommand extends Command {
  static override enableJsonFlag = true

  protected makeLogger(debug = false): Logger {
    return createLogger({level: debug ? 'debug' : 'info'})
  }

  /** Fail with a one-line message and exit code 1 (no stack trace: the message names the input and the fix). */
  protected fail(message: string, exitCode = 1): never {
    this.error(message, {exit: exitCode})
  }
}

/** For commands whose capability has not landed yet: say so clearly and exit non-zero. */
export abstract class NotBuiltCommand extends BitmindCommand {
  static issue = ''

  async run(): Promise<void> {
    const ctor = this.constructor as typeof NotBuiltCommand
    this.error(`\`bitmind ${this.id}\` is not built yet (tracked in issue ${ctor.issue}).`, {exit: 2})
  }
}
