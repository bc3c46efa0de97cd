import type {KeyringPair} from '@polkadot/keyring/types'

import {U16_MAX, type SubtensorClient} from '../chain/index.js'
import type {MinerChain} from '../miner/miner.js'
import {openWallet, type WalletRef} from '../wallet/index.js'
import type {ValidatorChain} from './validator.js'

const RAO = 1e9

/**
 * The validator's view of one subnet through the chain client, signing with its hotkey. Weights go through
 * SubtensorClient.setWeights, which picks set_weights / commit_weights / commit_timelocked_weights from the subnet
 * and runtime; without `versionKey` the subnet's weights_version_key is used.
 */
export function validatorChain(client: SubtensorClient, netuid: number, hotkey: KeyringPair, versionKey?: number): ValidatorChain {
  return {
    selfHotkey: hotkey.address,
    currentBlock: () => client.currentBlock(),
    metagraph: () => client.metagraph(netuid),
    weightLimits: async () => {
      const hp = await client.hyperparameters(netuid)
      return {minAllowedWeights: hp.minAllowedWeights, maxWeightLimit: hp.maxWeightsLimit / U16_MAX}
    },
    setWeights: async (uids, weights) => {
      // a commit_weights commit from an earlier epoch is revealed first, once its reveal window is open
      if (client.pendingCommit(netuid, hotkey.address)) await client.revealWeights(hotkey, netuid).catch(() => false)
      await client.setWeights(hotkey, netuid, uids, weights, {versionKey})
    },
  }
}

export function minerChain(client: SubtensorClient, netuid: number): MinerChain {
  return {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(netuid)}
}

/** The neuron's signing key: the btcli hotkey file of the wallet (plain JSON, btcli's default). */
export async function loadHotkey(ref: WalletRef): Promise<KeyringPair> {
  return (await openWallet(ref)).hotkeyPair()
}

/** add_stake signed by the coldkey (`tao` in TAO); the chain client has no call for it, the local round needs it. */
export async function addStake(client: SubtensorClient, coldkey: KeyringPair, hotkey: string, netuid: number, tao: number): Promise<void> {
  await client.submit(client.api.tx.subtensorModule!.addStake!(hotkey, netuid, BigInt(Math.round(tao * RAO))), coldkey, {netuid})
}

/** The line a user runs when their hotkey is not registered yet. */
export function registerHint(opts: {netuid: number; wallet: {name: string; hotkey: string; path: string}; network?: string; chainEndpoint?: string}): string {
  const net = opts.chainEndpoint ? `--subtensor.chain_endpoint ${opts.chainEndpoint}` : `--subtensor.network ${opts.network ?? 'finney'}`
  return `bitmind register --netuid ${opts.netuid} --wallet.name ${opts.wallet.name} --wallet.hotkey ${opts.wallet.hotkey} ${net}`
}

export function notRegisteredError(hotkey: string, opts: Parameters<typeof registerHint>[0]): Error {
  return new Error(`hotkey ${hotkey} is not registered on subnet ${opts.netuid}. Register it first:\n  ${registerHint(opts)}`)
}
