import type {KeyringPair} from '@polkadot/keyring/types'

import {Dendrite, EpistulaClient, syntheticProbability} from '../protocol/index.js'
import type {NeuronAxon} from '../chain/neuron.js'
import {dendriteQuery} from './dendrite-query.js'
import type {MinerAnswer, MinerQuery} from './validator.js'

export type Transport = 'synapse' | 'epistula'
export const TRANSPORTS: readonly Transport[] = ['synapse', 'epistula']

/**
 * Challenges go out as Epistula v2 `POST /detect_image` with the raw JPEG; the answer's class probabilities become
 * p(synthetic) (semisynthetic counted as synthetic). A vector that is not probabilities is passed on as it came, for
 * the reward to refuse.
 */
export function epistulaQuery(client: EpistulaClient): MinerQuery {
  return {
    async query(axons: readonly NeuronAxon[], image: string, timeoutS: number): Promise<MinerAnswer[]> {
      const targets = axons.map((a) => ({ip: a.ip, port: a.port, hotkey: a.hotkey ?? ''}))
      const results = await client.detectImages(targets, Buffer.from(image, 'base64'), timeoutS)
      return results.map((r) => ({
        statusCode: r.statusCode,
        prediction: r.prediction && (syntheticProbability(r.prediction) ?? r.prediction),
        processTime: r.processTime,
      }))
    },
  }
}

/** The validator's side of a transport, signed with its hotkey; `close` drops the kept-alive connections. */
export function openTransport(transport: Transport, keypair: KeyringPair): {query: MinerQuery; close: () => void} {
  if (transport === 'epistula') {
    const client = new EpistulaClient({keypair})
    return {query: epistulaQuery(client), close: () => client.close()}
  }
  if (transport !== 'synapse') throw new Error(`unknown transport ${JSON.stringify(transport)}: use ${TRANSPORTS.join(' or ')}`)
  const dendrite = new Dendrite({keypair})
  return {query: dendriteQuery(dendrite), close: () => dendrite.close()}
}
