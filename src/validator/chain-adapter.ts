import type {KeyringPair} from '@polkadot/keyring/types'

import type {MinerChain} from '../miner/miner.js'
import type {NeuronChainClient} from './chain-lite.js'
import type {ValidatorChain} from './validator.js'

/** The validator's view of one subnet through the chain client, signing with its hotkey. */
export function validatorChain(client: NeuronChainClient, netuid: number, hotkey: KeyringPair, versionKey = 0): ValidatorChain {
  return {
    selfHotkey: hotkey.address,
    currentBlock: () => client.currentBlock(),
    metagraph: () => client.metagraph(netuid),
    weightLimits: () => client.weightLimits(netuid),
    setWeights: (uids, weights) => client.setWeights(hotkey, netuid, uids, weights, versionKey),
  }
}

export function minerChain(client: NeuronChainClient, netuid: number): MinerChain {
  return {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(netuid)}
}

/** The line a user runs when their hotkey is not registered yet. */
export function registerHint(opts: {netuid: number; wallet: {name: string; hotkey: string; path: string}; network?: string; chainEndpoint?: string}): string {
  const net = opts.chainEndpoint ? `--subtensor.chain_endpoint ${opts.chainEndpoint}` : `--subtensor.network ${opts.network ?? 'finney'}`
  return `bitmind register --netuid ${opts.netuid} --wallet.name ${opts.wallet.name} --wallet.hotkey ${opts.wallet.hotkey} ${net}`
}

export function notRegisteredError(hotkey: string, opts: Parameters<typeof registerHint>[0]): Error {
  return new Error(`hotkey ${hotkey} is not registered on subnet ${opts.netuid}. Register it first:\n  ${registerHint(opts)}`)
}
