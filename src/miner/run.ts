import type {Logger} from '../config/logger.js'
import type {BatcherOptions} from './batcher.js'

export interface RunMinerOptions {
  netuid: number
  network?: string
  chainEndpoint?: string
  wallet: {name: string; hotkey: string; path: string}
  axon: {port: number; ip?: string; externalIp?: string; externalPort?: number}
  modelPath: string
  backend?: string
  provider?: string
  epochLength: number
  batch: BatcherOptions
  forceValidatorPermit: boolean
  allowNonRegistered: boolean
  serve: boolean
  metricsPort?: number
  logger: Logger
  signal: AbortSignal
}

/** Pending the chain client and wallets (issue 9 integration): fails clearly instead of pretending to mine. */
export async function runMiner(opts: RunMinerOptions): Promise<unknown> {
  void opts
  throw new Error('bitmind mine needs the chain client and wallets, which have not landed yet')
}
