import type {Logger} from '../config/logger.js'
import type {ChallengeDataOptions} from './data.js'

export interface RunValidatorOptions {
  netuid: number
  network?: string
  chainEndpoint?: string
  wallet: {name: string; hotkey: string; path: string}
  neuronRoot: string
  fullPath?: string
  sampleSize: number
  timeoutS: number
  alpha: number
  vpermitTaoLimit: number
  epochLength: number
  disableSetWeights: boolean
  maxSteps?: number
  stepIntervalS: number
  data: ChallengeDataOptions
  seed?: number
  metricsPort?: number
  logger: Logger
  signal: AbortSignal
}

/** Pending the chain client and wallets (issue 9 integration): fails clearly instead of pretending to validate. */
export async function runValidator(opts: RunValidatorOptions): Promise<unknown> {
  void opts
  throw new Error('bitmind validate needs the chain client and wallets, which have not landed yet')
}
