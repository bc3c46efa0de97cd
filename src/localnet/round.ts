import path from 'node:path'

import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'

import {silentLogger, type Logger} from '../config/logger.js'
import {createRng} from '../config/random.js'
import {startDevnet, type Devnet} from '../devnet/index.js'
import {decodeImage, type RgbImage} from '../image/index.js'
import {Miner} from '../miner/miner.js'
import {ModelHolder, type ModelLoader} from '../miner/model-holder.js'
import {startMinerAxon, startMinerEpistula} from '../miner/serve.js'
import type {Axon} from '../protocol/index.js'
import {connectSubtensor, type SubtensorClient} from '../chain/index.js'
import {writeHotkey, type WalletRef} from '../wallet/index.js'
import {loadHotkey} from '../chain/neuron.js'
import {addStake, validatorChain} from './chain-adapter.js'
import {ChallengeBuilder, type ChallengeBuilderOptions} from './challenge.js'
import type {RewardMode} from './rewards.js'
import {openTransport, type Transport} from './transport.js'
import type {StepReport} from './validator.js'
import {Validator} from './validator.js'

export interface LocalMinerSpec {
  name: string
  /** model file the miner serves (hot-reloaded like `bitmind mine`) */
  modelPath: string
  load: ModelLoader<RgbImage>
}

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
   * called after the round, before anything shuts down: everything stays up until it returns (`demo --serve` serves
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
  miners: {name: string; uid: number; hotkey: KeyringPair; axon: Axon}[]
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

const NETUID = 1
const TAO = 1_000_000_000n

/**
 * One full BitMind round on a throw-away local chain, all in this process: a devnet, fresh wallets, a validator with
 * stake and a validator permit, one miner per spec serving on 127.0.0.1, `steps` validator steps (one block each),
 * weights on chain, one epoch, and the resulting table. Everything is shut down before it returns.
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

    const walletPath = path.join(opts.workDir, 'wallets')
    const makeNeuron = async (name: string) => {
      const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
      const ref: WalletRef = {name, hotkey: 'default', path: walletPath}
      await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
      const hotkey = await loadHotkey(ref)
      await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 1000n * TAO), alice)
      await client.burnedRegister(coldkey, hotkey.address, NETUID)
      const uid = await client.uidOf(NETUID, hotkey.address)
      if (uid === undefined) throw new Error(`${name} did not register`)
      return {name, coldkey, hotkey, uid}
    }
    const validator = await makeNeuron('validator')
    await addStake(client, validator.coldkey, validator.hotkey.address, NETUID, 500)
    const miners: {name: string; uid: number; hotkey: KeyringPair; axon: Axon}[] = []
    for (const spec of opts.miners) {
      const n = await makeNeuron(spec.name)
      const holder = await ModelHolder.open<RgbImage>(spec.modelPath, spec.load, {logger: log.child(spec.name), pollMs: 500})
      const miner = await Miner.create<RgbImage>({
        holder,
        decode: (b) => decodeImage(b, {name: 'challenge'}),
        chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(NETUID)},
        forceValidatorPermit: false,
        epochLength: tempo,
      })
      const axon = await startMinerAxon(miner, {hotkey: n.hotkey, port: 0, ip: '127.0.0.1'})
      const epistula = await startMinerEpistula(miner, {hotkey: n.hotkey, axon})
      closers.push(async () => {
        await epistula.stop(2000)
        await axon.stop(2000)
        await miner.stop()
      })
      await client.serveAxon(n.hotkey, NETUID, {ip: '127.0.0.1', port: axon.port})
      miners.push({name: spec.name, uid: n.uid, hotkey: n.hotkey, axon})
      log.info('miner serving', {name: spec.name, uid: n.uid, port: axon.port})
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

/** The result as a fixed-width table. */
export function formatRoundTable(rows: readonly LocalRoundRow[]): string {
  const head = ['uid', 'miner', 'accuracy', 'score', 'weight', 'incentive']
  const body = rows.map((r) => [
    String(r.uid),
    r.name,
    `${(r.accuracy * 100).toFixed(0)}% (${Math.round(r.accuracy * r.answered)}/${r.answered})`,
    r.score.toFixed(4),
    r.weight.toFixed(4),
    r.incentive.toFixed(4),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}
