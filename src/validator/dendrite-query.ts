import {Dendrite, ImageSynapse} from '../protocol/index.js'
import type {NeuronAxon} from '../chain/neuron.js'
import type {MinerAnswer, MinerQuery} from './validator.js'

/** Challenges go out as signed ImageSynapse requests; whatever comes back is left for the reward to judge. */
export function dendriteQuery(dendrite: Dendrite): MinerQuery {
  return {
    async query(axons: readonly NeuronAxon[], image: string, timeoutS: number): Promise<MinerAnswer[]> {
      const targets = axons.map((a) => ({ip: a.ip, port: a.port, hotkey: a.hotkey ?? ''}))
      const results = await dendrite.query(targets, ImageSynapse, {image}, {timeoutS})
      return results.map((r) => ({statusCode: r.statusCode, prediction: r.synapse?.prediction, processTime: r.processTime}))
    },
  }
}
