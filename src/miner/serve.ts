import type {KeyringPair} from '@polkadot/keyring/types'
import type {Registry} from 'prom-client'

import type {Logger} from '../config/logger.js'
import {Axon, ImageSynapse} from '../protocol/index.js'
import type {Miner} from './miner.js'

export interface MinerAxonOptions {
  hotkey: KeyringPair
  /** 0 = a free port */
  port: number
  ip?: string
  externalIp?: string
  externalPort?: number
  logger?: Logger
  registry?: Registry
  limits?: AxonLimits
}

/** The axon's tunable limits (`bitmind mine --axon.*`); unset ones keep the Axon defaults. */
export interface AxonLimits {
  maxBodyBytes?: number
  concurrency?: number
  maxQueue?: number
  perCallerConcurrency?: number
  bodyTimeoutMs?: number
  headersTimeoutMs?: number
  maxConnections?: number
}

/** An axon answering ImageSynapse with the miner's prediction, behind its blacklist and stake priority. */
export async function startMinerAxon<I>(miner: Miner<I>, opts: MinerAxonOptions): Promise<Axon> {
  const axon = new Axon({
    hotkey: opts.hotkey,
    port: opts.port,
    ip: opts.ip,
    externalIp: opts.externalIp,
    externalPort: opts.externalPort,
    logger: opts.logger,
    registry: opts.registry,
    ...opts.limits,
    blacklist: (caller) => miner.blacklist(caller),
    priority: (caller) => miner.priority(caller),
  })
  axon.attach(ImageSynapse, async (synapse) => {
    synapse.prediction = await miner.predictBase64(synapse.image)
    return synapse
  })
  return axon.start()
}
