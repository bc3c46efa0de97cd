import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {minerChain} from '../../src/chain/neuron.js'
import {weightsForEmit} from '../../src/chain/weights.js'
import {createRng} from '../../src/config/random.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder, type ServingModel} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {Dendrite} from '../../src/protocol/index.js'
import {validatorChain} from '../../src/validator/chain-adapter.js'
import {ChallengeBuilder} from '../../src/validator/challenge.js'
import {openChallengeData, type ChallengeData} from '../../src/validator/data.js'
import {dendriteQuery} from '../../src/validator/dendrite-query.js'
import {Validator} from '../../src/validator/validator.js'

// Issue #10, acceptance line 2, at the validator level: the real Validator loop (validatorChain → SubtensorClient
// .setWeights, dendrite → real miner axons) on a devnet with two subnets. Netuid 1 has commit-reveal off: the
// validator's weights land through set_weights. Netuid 2 has it on: they go through commit_timelocked_weights (the
// chain's tle ciphertext for the devnet's drand beacon) and appear in Weights only when the reveal epoch comes with
// the round's pulse in Drand.Pulses.
//
// The client's reveal-round maths turns blocks into wall time with the chain's block time, which it estimates from
// Timestamp.Now (it is not told one, as runValidator does not tell it one): the devnet seals a block every BLOCK_S
// seconds by itself, so the estimate is ~1 s, not finney's 12 s. With the drand period at 1 s the round then lies
// ≥ 2 s after the commit, so the reveal has to wait for its pulse.

const TEMPO = 3
const BLOCK_S = 1
const PLAIN = 1
const TIMELOCKED = 2

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-vweights-'))
const cleanup: (() => Promise<unknown>)[] = []
let devnet: Devnet
let client: SubtensorClient
let data: ChallengeData
let keyring: Keyring

afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

/** bright "photos", dark "generations": a brightness miner is right, an always-0.9 miner right on fakes only */
async function images(dir: string, v: number) {
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < 3; i++) {
    await sharp({create: {width: 64, height: 64, channels: 3, background: {r: v + i, g: v, b: v}}}).png().toFile(path.join(dir, `${i}.png`))
  }
}

const brightness = async (): Promise<ServingModel<RgbImage>> => ({
  name: 'brightness',
  predict: async (xs) =>
    xs.map((x) => {
      let s = 0
      for (const b of x.data) s += b
      return s / x.data.length < 128 ? 0.9 : 0.1
    }),
  dispose: async () => {},
})
const alwaysFake = async (): Promise<ServingModel<RgbImage>> => ({name: 'always-0.9', predict: async (xs) => xs.map(() => 0.9), dispose: async () => {}})

const hk = (netuid: number, name: string) => `//VW${netuid}${name}`

beforeAll(async () => {
  await cryptoWaitReady()
  keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  const subnet = {tempo: TEMPO, weightsSetRateLimit: 1, immunityPeriod: 100, revealPeriodEpochs: 1}
  // validator (uid 0, staked) and two miners (uids 1, 2) pre-registered on each subnet by genesis
  const neurons = [PLAIN, TIMELOCKED].flatMap((netuid) => [
    {netuid, hotkey: hk(netuid, 'V'), coldkey: '//Alice', stake: 100},
    {netuid, hotkey: hk(netuid, 'M1'), coldkey: '//Bob'},
    {netuid, hotkey: hk(netuid, 'M2'), coldkey: '//Bob'},
  ])
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: BLOCK_S * 1000,
    genesis: {
      subnets: [
        {netuid: PLAIN, ...subnet, commitRevealWeightsEnabled: false},
        {netuid: TIMELOCKED, ...subnet, commitRevealWeightsEnabled: true},
      ],
      neurons,
      drand: {period: 1},
    },
  })
  cleanup.push(() => devnet.stop())
  client = await connectSubtensor(devnet.url, {commitDir: path.join(tmp, 'commits')})
  cleanup.push(() => client.close())

  // the miners: the real axon and request path, with trivial models
  const model = path.join(tmp, 'model.bin')
  await fs.writeFile(model, 'trivial')
  for (const netuid of [PLAIN, TIMELOCKED]) {
    for (const [name, load] of [['M1', brightness], ['M2', alwaysFake]] as const) {
      const hotkey = keyring.addFromUri(hk(netuid, name))
      const holder = await ModelHolder.open<RgbImage>(model, load, {pollMs: 60_000})
      const miner = await Miner.create<RgbImage>({holder, decode: (b) => decodeImage(b), chain: minerChain(client, netuid), forceValidatorPermit: true})
      const axon = await startMinerAxon(miner, {hotkey, port: 0, ip: '127.0.0.1'})
      cleanup.push(async () => {
        await axon.stop(100)
        await miner.stop()
      })
      await client.serveAxon(hotkey, netuid, {ip: '127.0.0.1', port: axon.port})
    }
  }
  await images(path.join(tmp, 'real'), 230)
  await images(path.join(tmp, 'fake'), 20)
  data = await openChallengeData({real: [path.join(tmp, 'real')], fake: [path.join(tmp, 'fake')]})
  cleanup.push(() => data.dispose())
  // an epoch hands out the validator permits by stake
  await blocks(TEMPO + 1)
}, 60_000)

/** Waits until the devnet (a block every BLOCK_S seconds) has sealed `n` more blocks. */
async function blocks(n: number): Promise<void> {
  const target = devnet.chain.head.number + n
  while (devnet.chain.head.number < target) await new Promise((r) => setTimeout(r, 50))
}

/** A validator wired as runValidator wires it, recording what it hands to the chain. */
function makeValidator(netuid: number, hotkey: KeyringPair) {
  const submitted: {uids: number[]; weights: number[]}[] = []
  const chain = validatorChain(client, netuid, hotkey)
  const recording = {
    ...chain,
    setWeights: async (uids: number[], weights: number[]) => {
      submitted.push({uids, weights})
      await chain.setWeights(uids, weights)
    },
  }
  const challenges = new ChallengeBuilder({realPools: data.realPools, fakePools: data.fakePools, fakeSources: data.fakeSources, rng: createRng(netuid)})
  const dendrite = new Dendrite({keypair: hotkey})
  cleanup.push(async () => dendrite.close())
  const v = new Validator(
    recording,
    dendriteQuery(dendrite),
    challenges,
    {sampleSize: 2, timeoutS: 5, alpha: 0.1, vpermitTaoLimit: 4096, epochLength: 2, disableSetWeights: false, fullPath: path.join(tmp, `v${netuid}`)},
    createRng(netuid + 10),
  )
  return {v, submitted}
}

/** Steps (one block each) until the validator's own schedule sets weights. */
async function stepUntilWeights(v: Validator): Promise<number> {
  for (let i = 0; i < 8; i++) {
    const r = await v.runStep()
    expect(r.uids.sort()).toEqual([1, 2])
    if (r.weightsSet) return r.step
    await blocks(1)
  }
  throw new Error('the validator never set weights')
}

/** `section.method` and data of every event in blocks from..head (the devnet keeps each block's state). */
async function eventsSince(from: number): Promise<{block: number; name: string; data: unknown[]}[]> {
  const api = client.api
  const head = await client.currentBlock()
  const out: {block: number; name: string; data: unknown[]}[] = []
  for (let n = from; n <= head; n++) {
    const hash = await api.rpc.chain.getBlockHash(n)
    const records = (await api.query.system!.events!.at(hash)) as unknown as {event: {section: string; method: string; data: {toJSON(): unknown}}}[]
    for (const {event} of records) out.push({block: n, name: `${event.section}.${event.method}`, data: event.data.toJSON() as unknown[]})
  }
  return out
}

const rowOf = (s: {uids: number[]; weights: number[]}) => {
  const e = weightsForEmit(s.uids, s.weights)
  return e.uids.map((u, i) => [u, e.weights[i]!] as [number, number])
}

const timelockedCommits = async (netuid: number) =>
  (await client.api.query.subtensorModule!.timelockedWeightCommits!.entries()).filter(([k]) => Number(k.args[0]!.toString()) === netuid)

describe('a validator gets its weights on chain (issue #10, line 2)', () => {
  it('commit-reveal off: through set_weights, the row is in Weights at once, nothing timelocked', async () => {
    expect((await client.hyperparameters(PLAIN)).commitRevealWeightsEnabled).toBe(false)
    const hotkey = keyring.addFromUri(hk(PLAIN, 'V'))
    const {v, submitted} = makeValidator(PLAIN, hotkey)
    await v.start()
    expect(v.uid).toBe(0)
    const from = await client.currentBlock()
    await stepUntilWeights(v)
    expect(submitted).toHaveLength(1)
    const row = rowOf(submitted[0]!)
    expect(row.length).toBeGreaterThan(0)
    expect(row.map(([u]) => u)).toContain(1) // the brightness miner is right on every challenge
    expect((await client.metagraph(PLAIN)).weights[0]).toEqual(row)

    const events = await eventsSince(from + 1)
    expect(events.filter((e) => e.name === 'subtensorModule.WeightsSet')).toEqual([expect.objectContaining({data: [PLAIN, 0]})])
    expect(events.filter((e) => e.name.startsWith('subtensorModule.TimelockedWeights'))).toEqual([])
    expect(await timelockedCommits(PLAIN)).toHaveLength(0)
  }, 60_000)

  it('commit-reveal on: through commit_timelocked_weights, revealed into Weights after the round’s pulse and the reveal epoch', async () => {
    const hp = await client.hyperparameters(TIMELOCKED)
    expect(hp).toMatchObject({commitRevealWeightsEnabled: true, revealPeriodEpochs: 1})
    expect(client.features.timelockedWeights).toBe(true)
    const hotkey = keyring.addFromUri(hk(TIMELOCKED, 'V'))
    const {v, submitted} = makeValidator(TIMELOCKED, hotkey)
    await v.start()
    expect(v.uid).toBe(0)
    const from = await client.currentBlock()
    await stepUntilWeights(v)
    expect(submitted).toHaveLength(1)
    const row = rowOf(submitted[0]!)
    expect(row.length).toBeGreaterThan(0)

    // committed, not applied: a TimelockedWeightCommits entry from the validator's hotkey, no weights yet
    const commits = await timelockedCommits(TIMELOCKED)
    expect(commits).toHaveLength(1)
    const [[who, commitBlock, , round]] = commits[0]![1].toJSON() as [string, number, string, number][]
    expect(who).toBe(hotkey.address)
    const afterCommit = await client.metagraph(TIMELOCKED)
    expect(afterCommit.weights[0]).toEqual([])
    // the commit moved the validator's LastUpdate, as the pallet's does: its schedule (block − LastUpdate > epoch
    // length) counts from the commit and does not commit again on every step until the reveal
    expect(afterCommit.lastUpdate[0]).toBe(commitBlock)
    const committed = await eventsSince(from + 1)
    expect(committed.filter((e) => e.name === 'subtensorModule.TimelockedWeightsCommitted')).toEqual([
      expect.objectContaining({block: commitBlock, data: [hotkey.address, TIMELOCKED, expect.any(String), round]}),
    ])
    expect(committed.filter((e) => e.name === 'subtensorModule.WeightsSet')).toEqual([])
    // aimed at the first block of the next epoch + 3 blocks: the round's pulse is not out yet
    const epochLen = TEMPO + 1
    const revealEpochStart = (Math.floor((commitBlock + TIMELOCKED + 1) / epochLen) + 1) * epochLen - TIMELOCKED - 1
    const pulseAt = devnet.drand.roundTime(round)
    expect(pulseAt).toBeGreaterThan(Date.now() + 1000)

    // the client measured the devnet's pace, not finney's 12 s
    expect((await client.estimateBlockTime()).seconds).toBeLessThan(2)
    // blocks come at the pace the client measured until the chain reveals the commit
    let revealedAt = -1
    for (let i = 0; i < 40 && revealedAt < 0; i++) {
      await blocks(1)
      if ((await client.metagraph(TIMELOCKED)).weights[0]!.length > 0) {
        revealedAt = await client.currentBlock()
        expect(Date.now()).toBeGreaterThanOrEqual(pulseAt)
      }
    }
    expect(revealedAt).toBeGreaterThan(0)
    expect((await client.metagraph(TIMELOCKED)).weights[0]).toEqual(row)
    // revealed because the pulse of its round is on chain, at the reveal epoch; the commit is gone
    expect(((await client.api.query.drand!.pulses!(round)).toJSON() as {round: number} | null)?.round).toBe(round)
    expect(revealedAt).toBeGreaterThanOrEqual(revealEpochStart)
    const revealed = (await eventsSince(from + 1)).filter((e) => e.name === 'subtensorModule.TimelockedWeightsRevealed')
    expect(revealed).toEqual([expect.objectContaining({block: revealedAt, data: [TIMELOCKED, hotkey.address]})])
    expect(await timelockedCommits(TIMELOCKED)).toHaveLength(0)
  }, 60_000)
})
