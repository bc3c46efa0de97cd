import path from 'node:path'

import type {Logger} from '../config/logger.js'
import {resolveEndpoint} from '../config/networks.js'
import {expandHome} from '../config/paths.js'
import {createRng, randomSeed} from '../config/random.js'
import type {LevelChoice} from '../image/index.js'
import type {KeyringPair} from '@polkadot/keyring/types'

import {connectSubtensor, logConnectionEvents, type SubtensorClient} from '../chain/index.js'
import {loadHotkey, notRegisteredError} from '../chain/neuron.js'
import {validatorChain} from './chain-adapter.js'
import {ChallengeBuilder} from './challenge.js'
import {openChallengeData, type ChallengeDataOptions} from './data.js'
import {openTransport, type Transport} from './transport.js'
import {serveMetrics} from '../protocol/index.js'
import {ValidatorMetrics} from './metrics.js'
import {Validator, type ValidatorConfig} from './validator.js'

/** The validator loop's settings that `bitmind validate` passes through unchanged. */
type LoopSettings = Pick<ValidatorConfig, 'sampleSize' | 'timeoutS' | 'alpha' | 'vpermitTaoLimit' | 'epochLength' | 'disableSetWeights' | 'reward'>

export interface RunValidatorOptions extends LoopSettings {
  netuid: number
  network?: string
  chainEndpoint?: string
  wallet: {name: string; hotkey: string; path: string}
  neuronRoot: string
  /** state folder (default: defaultValidatorPath under neuronRoot) */
  fullPath?: string
  maxSteps?: number
  stepIntervalS: number
  data: ChallengeDataOptions
  /** augmentation level per challenge (default 'random': 0–3 as BitMind v2.2.11) */
  level?: LevelChoice
  seed?: number
  /** how challenges reach miners (default synapse) */
  transport?: Transport
  /** serve Prometheus metrics on this port (0 = any free port); off when undefined */
  metricsPort?: number
  /** address the metrics server binds (default 127.0.0.1) */
  metricsHost?: string
  /** what to run to get a validator permit, shown once while the hotkey has none (the CLI gives its stake command) */
  permitHint?: string
  logger: Logger
  signal: AbortSignal
  /** runs once the hotkey is known to be registered (the validate command starts its proxy here); what it returns runs at shutdown */
  onChainReady?: (ctx: {client: SubtensorClient; hotkey: KeyringPair; netuid: number; uid: number}) => Promise<(() => Promise<void>) | void>
}

export interface ValidatorRunSummary {
  uid: number
  steps: number
  fullPath: string
  scores: {uid: number; hotkey: string; score: number}[]
}

export function defaultValidatorPath(root: string, wallet: {name: string; hotkey: string}, netuid: number): string {
  return path.join(expandHome(root), wallet.name, wallet.hotkey, `netuid${netuid}`, 'validator')
}

/** `bitmind validate`: connect, check registration, open the challenge data, loop until stopped. */
export async function runValidator(opts: RunValidatorOptions): Promise<ValidatorRunSummary> {
  const log = opts.logger
  const endpoint = resolveEndpoint(opts.network, opts.chainEndpoint)
  const hotkey = await loadHotkey(opts.wallet)
  const seed = opts.seed ?? randomSeed()
  const data = await openChallengeData({
    ...opts.data,
    seed,
    generation: opts.data.generation && {...opts.data.generation, onError: (err) => log.warn('background generation failed', {error: err.message})},
  })
  const client = await connectSubtensor(endpoint, {onConnectionEvent: logConnectionEvents(log.child('chain'))}).catch(async (err: unknown) => {
    await data.dispose()
    throw err
  })
  const closers: (() => Promise<unknown>)[] = [() => client.close(), () => data.dispose()]
  try {
    const uid = await client.uidOf(opts.netuid, hotkey.address)
    if (uid === undefined) throw notRegisteredError(hotkey.address, opts)
    const closeHook = await opts.onChainReady?.({client, hotkey, netuid: opts.netuid, uid})
    if (closeHook) closers.push(closeHook)
    const fullPath = path.resolve(expandHome(opts.fullPath ?? defaultValidatorPath(opts.neuronRoot, opts.wallet, opts.netuid)))
    const rng = createRng(seed)
    const challenges = new ChallengeBuilder({realPools: data.realPools, fakePools: data.fakePools, fakeSources: data.fakeSources, rng, level: opts.level ?? 'random'})
    const metrics = new ValidatorMetrics()
    if (opts.metricsPort !== undefined) {
      const server = await serveMetrics(metrics.registry, opts.metricsPort, opts.metricsHost)
      closers.push(() => server.close())
      log.info('metrics', {url: server.url})
    }
    const transport = openTransport(opts.transport ?? 'synapse', hotkey)
    closers.push(async () => transport.close())
    const validator = new Validator(
      validatorChain(client, opts.netuid, hotkey),
      transport.query,
      challenges,
      {
        sampleSize: opts.sampleSize,
        timeoutS: opts.timeoutS,
        alpha: opts.alpha,
        vpermitTaoLimit: opts.vpermitTaoLimit,
        epochLength: opts.epochLength,
        disableSetWeights: opts.disableSetWeights,
        fullPath,
        reward: opts.reward,
        permitHint: opts.permitHint,
      },
      rng,
      {logger: log, metrics},
    )
    log.info('validator starting', {endpoint, netuid: opts.netuid, uid, hotkey: hotkey.address, fullPath, seed, reward: opts.reward ?? 'binary', level: opts.level ?? 'random', transport: opts.transport ?? 'synapse'})
    data.start()
    if (data.generation) {
      log.info('generating fakes in the background', {models: data.generation.models, ahead: opts.data.generation?.cacheSize ?? 4, cacheDir: opts.data.generation?.cacheDir})
    }
    await validator.start()
    await validator.run({signal: opts.signal, maxSteps: opts.maxSteps, pauseMs: opts.stepIntervalS * 1000})
    log.info('validator stopped', {step: validator.step})
    return {
      uid,
      steps: validator.step,
      fullPath,
      scores: validator.scores.map((score, u) => ({uid: u, hotkey: validator.hotkeys[u] ?? '', score})),
    }
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {})
  }
}
