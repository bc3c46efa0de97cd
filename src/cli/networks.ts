import {resolveEndpoint as resolve} from '../config/networks.js'
import {chainMessage} from './messages/chain.js'

/** resolveEndpoint for the command line: a bad value fails with the flag's name (`--subtensor.network "x" …`). */
export function resolveEndpoint(network: string | undefined, chainEndpoint?: string): string {
  try {
    return resolve(network, chainEndpoint)
  } catch (err) {
    throw new Error(chainMessage(err) ?? (err as Error).message, {cause: err})
  }
}
