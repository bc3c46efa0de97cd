import path from 'node:path'

import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {silentLogger, type Logger} from '../config/logger.js'
import {createRng} from '../config/random.js'
import {startDevnet, type Devnet} from '../devnet/index.js'
import type {Axon} from '../protocol/index.js'
import {connectSubtensor, type SubtensorClient} from '../chain/index.js'
import {addStake, validatorChain} from '../validator/chain-adapter.js'
import {ChallengeBuilder, type ChallengeBuilderOptions} from '../validator/challenge.js'
import type {RewardMode} from '../validator/rewards.js'
import {openTransport, type Transport} from '../validator/transport.js'
import {Validator, type StepReport} from '../validator/validator.js'
import {LOCAL_NETUID as NETUID, registerLocalNeuron, startLocalMiner, type LocalMinerSpec, type ServingMiner} from './neurons.js'

export type {LocalMinerSpec} from './neurons.js'

export interface LocalRoundOptions {
  miners: readonly LocalMinerSpec[]
  data: Omit<ChallengeBuilderOptions, 'rng'>
  steps: number
  /** folder for throw-away wallets and the validator's state */
  workDir: string
  seed?: number
  /** blocks between weight settings (one block is produced per step) */
  epochLength?: number
  tempo?: number
  timeoutS?: number
  /** the validator's reward rule (default binary) */
  reward?: RewardMode
  /** how the validator reaches the miners (default synapse); the miners serve both on one port */
  transport?: Transport
  logger?: Logger
  onStep?: (report: StepReport) => void
  /** called once the miners serve, before the validator starts (tests use it to poke the miners) */
  onMinersReady?: (miners: {name: string; uid: number; axon: Axon}[]) => Promise<void> | void
  /**
   * called after the round, before anything shuts down: everything stays up until it returns (the demo command's serve option serves
   * the proxy from it until stopped; tests start the proxy in it)
   */
  onRoundDone?: (live: LiveSubnet, result: LocalRoundResult) => Promise<void> | void
}

/** The round's subnet while it still runs. */
export interface LiveSubnet {
  devnet: Devnet
  client: SubtensorClient
  netuid: number
  validator: {uid: number; hotkey: KeyringPair}
  miners: ServingMiner[]
}

export interface LocalRoundRow {
  name: string
  uid: number
  hotkey: string
  /** share of this miner's answers that were right (the binary reward, whatever the reward mode) */
  accuracy: number
  answered: number
  score: number
  /** the validator's weight on chain for this uid, as a fraction of the row */
  weight: number
  /** the chain's incentive after the epoch (0..1) */
  incentive: number
}

export interface LocalRoundResult {
  rows: LocalRoundRow[]
  validatorUid: number
  /** (uid, u16) pairs in the chain's Weights storage for the validator */
  weightsOnChain: [number, number][]
  block: number
  endpoint: string
}

/**
 * One full BitMind round on a throw-away local chain, all in this process: a devnet, fresh wallets, a validator with
 * stake and a validator permit, one miner per spec serving on 127.0.0.1, `steps` validator steps (one block each),
 * weights on chain, one epoch, and the resulting table. Everything is shut down before it returns.
 * (docs/ARCHITECTURE.md § Route of a challenge)
 */
export async function runLocalRound(opts: LocalRoundOptions): Promise<LocalRoundResult> {
  const log = opts.logger ?? silentLogger
  const tempo = opts.tempo ?? 10
  const epochLength = opts.epochLength ?? 4
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  const alice = keyring.addFromUri('//Alice')
  const closers: (() => Promise<unknown>)[] = []
  let devnet: Devnet | undefined
  try {
    devnet = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      genesis: {subnets: [{netuid: NETUID, tempo, burn: 1, weightsSetRateLimit: 1, immunityPeriod: 100}]},
    })
    const net = devnet
    closers.push(() => net.stop())
    const client = await connectSubtensor(devnet.url)
    closers.push(() => client.close())
    log.info('devnet up', {url: devnet.url, netuid: NETUID, tempo})

    const walletDir = path.join(opts.workDir, 'wallets')
    const neuron = (name: string) => registerLocalNeuron(client, keyring, alice, walletDir, name)
    const validator = await neuron('validator')
    await addStake(client, validator.coldkey, validator.hotkey.address, NETUID, 500)
    const miners: ServingMiner[] = []
    for (const spec of opts.miners) {
      const {miner, stop} = await startLocalMiner(client, spec, neuron, {tempo, logger: log})
      closers.push(stop)
      miners.push(miner)
      log.info('miner serving', {name: spec.name, uid: miner.uid, port: miner.axon.port})
    }
    // an epoch hands out validator permits by stake
    await devnet.advance(tempo + 1)
    const mg0 = await client.metagraph(NETUID)
    if (!mg0.validatorPermit[validator.uid]) throw new Error('the validator got no validator permit after an epoch')
    await opts.onMinersReady?.(miners.map(({name, uid, axon}) => ({name, uid, axon})))

    const rng = createRng(opts.seed ?? 0)
    const challenges = new ChallengeBuilder({...opts.data, rng})
    const transport = openTransport(opts.transport ?? 'synapse', validator.hotkey)
    closers.push(async () => transport.close())
    const v = new Validator(
      validatorChain(client, NETUID, validator.hotkey),
      transport.query,
      challenges,
      {
        sampleSize: opts.miners.length,
        timeoutS: opts.timeoutS ?? 10,
        alpha: 0.1,
        vpermitTaoLimit: 4096,
        epochLength,
        disableSetWeights: false,
        fullPath: path.join(opts.workDir, 'validator'),
        reward: opts.reward,
      },
      createRng((opts.seed ?? 0) + 1),
      {logger: log.child('validator')},
    )
    await v.start()
    const hits = new Map<number, {right: number; total: number}>()
    for (let i = 0; i < opts.steps; i++) {
      const r = await v.runStep()
      r.uids.forEach((uid, k) => {
        const h = hits.get(uid) ?? {right: 0, total: 0}
        h.total++
        h.right += r.correct[k]!
        hits.set(uid, h)
      })
      opts.onStep?.(r)
      await devnet.produceBlock()
    }
    // final weights from the final scores, then one epoch so the chain turns them into incentive
    await devnet.advance(2)
    const submitted = await v.setWeights()
    log.info('final weights', submitted)
    await devnet.advance(tempo + 1)
    const mg = await client.metagraph(NETUID)
    const weightsOnChain = mg.weights[validator.uid] ?? []
    const total = weightsOnChain.reduce((s, [, w]) => s + w, 0)
    const rows = miners.map((m) => {
      const h = hits.get(m.uid) ?? {right: 0, total: 0}
      const w = weightsOnChain.find(([u]) => u === m.uid)?.[1] ?? 0
      return {
        name: m.name,
        uid: m.uid,
        hotkey: m.hotkey.address,
        accuracy: h.total > 0 ? h.right / h.total : 0,
        answered: h.total,
        score: v.scores[m.uid] ?? 0,
        weight: total > 0 ? w / total : 0,
        incentive: mg.incentive[m.uid] ?? 0,
      }
    })
    const result = {rows, validatorUid: validator.uid, weightsOnChain, block: mg.block, endpoint: devnet.url}
    await opts.onRoundDone?.({devnet, client, netuid: NETUID, validator: {uid: validator.uid, hotkey: validator.hotkey}, miners}, result)
    return result
  } finally {
    for (const close of closers.reverse()) await close().catch((err: Error) => log.warn('shutdown step failed', {error: err.message}))
  }
}
