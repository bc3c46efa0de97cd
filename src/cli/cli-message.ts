import {cliMessage} from './messages/index.js'

/** `p`, rejecting with the command-line words of its error (flag names, hints) as a command would print them. */
export async function withCliMessage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    throw new Error(cliMessage(err), {cause: err})
  }
}
