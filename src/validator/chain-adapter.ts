import type {KeyringPair} from '@polkadot/keyring/types'

import {taoToRao, U16_MAX, type SubtensorClient} from '../chain/index.js'
import type {ValidatorChain} from './validator.js'

/**
 * The validator's view of one subnet through the chain client, signing with its hotkey. Weights go through
 * SubtensorClient.setU16Weights, which picks set_weights / commit_weights / commit_timelocked_weights from the subnet
 * and runtime; without `versionKey` the subnet's weights_version_key is used.
 * (The glue both neurons share — loadHotkey, NotRegisteredError, minerChain — is in src/chain/neuron.ts.)
 */
export function validatorChain(client: SubtensorClient, netuid: number, hotkey: KeyringPair, versionKey?: number): ValidatorChain {
  return {
    selfHotkey: hotkey.address,
    connected: () => client.api.isConnected,
    currentBlock: () => client.currentBlock(),
    metagraph: () => client.metagraph(netuid),
    weightLimits: async () => {
      const hp = await client.hyperparameters(netuid)
      return {minAllowedWeights: hp.minAllowedWeights, maxWeightLimit: hp.maxWeightsLimit / U16_MAX}
    },
    setWeights: async (uids, weights) => {
      // a commit_weights commit from an earlier epoch is revealed first, once its reveal window is open
      if (client.pendingCommit(netuid, hotkey.address)) await client.revealWeights(hotkey, netuid).catch(() => false)
      // the validator hands u16 weights (src/validator/weights.ts converts with the client's weightsForEmit)
      await client.setU16Weights(hotkey, netuid, {uids, weights}, {versionKey})
    },
  }
}

/** add_stake signed by the coldkey (`tao` in TAO); the chain client has no call for it, the local round needs it. */
export async function addStake(client: SubtensorClient, coldkey: KeyringPair, hotkey: string, netuid: number, tao: number): Promise<void> {
  await client.submit(client.api.tx.subtensorModule!.addStake!(hotkey, netuid, taoToRao(tao)), coldkey, {netuid})
}
