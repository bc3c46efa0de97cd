import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {mnemonicGenerate} from '@polkadot/util-crypto'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {minerChain, type MinerChain} from '../../src/chain/neuron.js'
import {loadDetector} from '../../src/detector/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {Dendrite, ImageSynapse, type Axon} from '../../src/protocol/index.js'
import {devPair, jpegBase64} from '../protocol/helpers.js'
import {tinyDetectorOnnx} from './tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-unknown-caller-'))
const cleanup: (() => unknown)[] = []
let devnet: Devnet
let client: SubtensorClient
let miner: Miner<RgbImage>
let axon: Axon
let reads = 0

/** JSON-RPC requests the devnet answered, without the WebSocket provider's timed `system_health` keep-alives */
const totalRpc = () => [...devnet.rpcCalls].reduce((a, [method, n]) => (method === 'system_health' ? a : a + n), 0)

beforeAll(async () => {
  // the miner (//Bob) is registered at genesis; //Dave, the validator, registers later
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    genesis: {subnets: [{netuid: 1, tempo: 1000, burn: 1}], neurons: [{netuid: 1, hotkey: '//Bob', coldkey: '//Alice'}]},
  })
  cleanup.push(() => devnet.stop())
  client = await connectSubtensor(devnet.url)
  cleanup.push(() => client.close())
  const file = path.join(tmp, 'm.onnx')
  await fs.writeFile(file, tinyDetectorOnnx({scale: 0, bias: 0, inputSize: 8, metadata: {'bitmind.input_size': '8'}}))
  const holder = await ModelHolder.open<RgbImage>(file, (p) => loadDetector(p), {pollMs: 60_000})
  // the real chain client, with its metagraph reads counted
  const real = minerChain(client, 1)
  const chain: MinerChain = {...real, metagraph: () => (reads++, real.metagraph())}
  miner = await Miner.create<RgbImage>({holder, decode: (b) => decodeImage(b), chain, forceValidatorPermit: false, epochLength: 1000})
  cleanup.push(() => miner.stop())
  axon = await startMinerAxon(miner, {hotkey: await devPair('//Bob'), port: 0, ip: '127.0.0.1'})
  cleanup.push(() => axon.stop())
})
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
  await fs.rm(tmp, {recursive: true, force: true})
})

describe('the miner re-reads the metagraph for an unknown caller, at most once per block', () => {
  it('1,000 requests from unknown callers cost at most one chain read per block', async () => {
    const image = await jpegBase64()
    const target = {ip: '127.0.0.1', port: axon.port, hotkey: (await devPair('//Bob')).address}
    const {Keyring} = await import('@polkadot/keyring')
    const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
    const strangers = Array.from({length: 10}, () => new Dendrite({keypair: keyring.addFromMnemonic(mnemonicGenerate())}))
    cleanup.push(() => strangers.forEach((d) => d.close()))

    // what one metagraph read costs the node, in JSON-RPC requests
    const before = totalRpc()
    await client.metagraph(1)
    const rpcPerRead = totalRpc() - before
    expect(rpcPerRead).toBeGreaterThan(0)

    const readsBefore = reads
    const rpcBefore = totalRpc()
    const blockBefore = devnet.chain.head.number
    const statuses = new Map<number, number>()
    const ROUNDS = 10
    for (let round = 0; round < ROUNDS; round++) {
      // 100 concurrent requests per round (10 unknown callers × 10), then the chain moves on by one block
      const results = (await Promise.all(strangers.map((d) => d.query(Array(10).fill(target), ImageSynapse, {image}, {timeoutS: 10})))).flat()
      for (const r of results) statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1)
      await devnet.produceBlock()
    }
    const blocks = devnet.chain.head.number - blockBefore
    expect(Object.fromEntries(statuses)).toEqual({403: 1000})
    expect(blocks).toBe(ROUNDS)
    const readsDuring = reads - readsBefore
    // at most one per block (the first round's block was already read) and the re-read does happen
    expect(readsDuring).toBeGreaterThanOrEqual(1)
    expect(readsDuring).toBeLessThanOrEqual(blocks)
    // and nothing else reaches the chain per request: the node saw exactly those reads' requests
    expect(totalRpc() - rpcBefore).toBe(readsDuring * rpcPerRead)
  }, 120_000)

  it('a validator registered after the miner started is answered on its first query; strangers still get 403', async () => {
    const image = await jpegBase64()
    const target = {ip: '127.0.0.1', port: axon.port, hotkey: (await devPair('//Bob')).address}
    const validatorKey = await devPair('//Dave')
    const validator = new Dendrite({keypair: validatorKey})
    const stranger = new Dendrite({keypair: await devPair('//Eve')})
    cleanup.push(() => validator.close(), () => stranger.close())
    const readsAtStart = reads

    await client.burnedRegister(await devPair('//Alice'), validatorKey.address, 1)
    expect(await client.uidOf(1, validatorKey.address)).toBe(1)
    const [first] = await validator.query([target], ImageSynapse, {image}, {timeoutS: 10})
    expect(first!.statusCode).toBe(200)
    expect(first!.synapse!.prediction).toBeCloseTo(0.5, 6)
    expect(reads).toBe(readsAtStart + 1)

    const [refused] = await stranger.query([target], ImageSynapse, {image}, {timeoutS: 10})
    expect(refused!.statusCode).toBe(403)
    expect(refused!.statusMessage).toMatch(/blacklisted/i)
  })
})
