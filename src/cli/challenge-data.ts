import {openChallengeData as openLibrary, type ChallengeData, type ChallengeDataOptions} from '../validator/data.js'
import {cliMessage} from './messages/index.js'

/** The validator's openChallengeData with its errors in command-line words (the flag that set the bad value, the fix). */
export async function openChallengeData(opts: ChallengeDataOptions): Promise<ChallengeData> {
  try {
    return await openLibrary(opts)
  } catch (err) {
    throw new Error(cliMessage(err), {cause: err})
  }
}
