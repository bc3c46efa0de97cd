import {connectSubtensor, type SubtensorClient} from '../chain/index.js'
import {resolveEndpoint} from './networks.js'
import {openWallet, type Wallet, type WalletRef} from '../wallet/index.js'

/** The values of `subtensorFlags` as a command has parsed them. */
export interface SubtensorFlagValues {
  'subtensor.network': string
  'subtensor.chain_endpoint'?: string
}

/** The values of `walletFlags` as a command has parsed them. */
export interface WalletFlagValues {
  'wallet.name': string
  'wallet.hotkey': string
  'wallet.path': string
}

/** The chain endpoint the subtensor flags name (docs/ARCHITECTURE.md § Chain). */
export function endpointFrom(flags: SubtensorFlagValues): string {
  return resolveEndpoint(flags['subtensor.network'], flags['subtensor.chain_endpoint'])
}

export function walletRefFrom(flags: WalletFlagValues): WalletRef {
  return {name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']}
}

/** The wallet the wallet flags name (its keys are read when asked for). */
export function walletFrom(flags: WalletFlagValues): Promise<Wallet> {
  return openWallet(walletRefFrom(flags))
}

/**
 * Connect to `endpoint`, run `use` with the client, and close it whatever happens. A connection that fails goes to
 * `fail` (a command's `this.fail`); what `use` throws goes on to the caller.
 */
export async function withSubtensor<T>(endpoint: string, fail: (err: unknown) => never, use: (client: SubtensorClient) => Promise<T>): Promise<T> {
  const client = await connectSubtensor(endpoint).catch(fail)
  try {
    return await use(client)
  } finally {
    await client.close()
  }
}
