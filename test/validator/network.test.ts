import {promises as fs} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {createRng} from '../../src/config/random.js'
import {loadDetector} from '../../src/detector/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import type {Axon} from '../../src/protocol/index.js'
import {Dendrite} from '../../src/protocol/index.js'
import {dendriteQuery} from '../../src/validator/dendrite-query.js'
import type {NeuronMetagraph as MetagraphLike} from '../../src/chain/neuron.js'
import {Validator, type Challenge, type ValidatorChain} from '../../src/validator/validator.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-net-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

let keyring: Keyring
beforeAll(async () => {
  await cryptoWaitReady()
  keyring = new Keyring({type: 'sr25519', ss58Format: 42})
})

/** A peer that accepts the request and answers with a fixed raw body (or never answers). */
async function rawPeer(body: string | null): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume()
    if (body === null) return // hang: the dendrite's timeout must fire
    res.writeHead(200, {'content-type': 'application/json'}).end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanup.push(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })
  return (server.address() as AddressInfo).port
}

async function startMiner(hotkey: KeyringPair, model: Buffer, mg: () => MetagraphLike): Promise<Axon> {
  const file = path.join(tmp, `${hotkey.address}.onnx`)
  await fs.writeFile(file, model)
  const holder = await ModelHolder.open(file, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
  const miner = await Miner.create<RgbImage>({
    holder,
    decode: (b) => decodeImage(b),
    chain: {currentBlock: async () => 0, metagraph: async () => mg()},
    forceValidatorPermit: false,
  })
  const axon = await startMinerAxon(miner, {hotkey, port: 0, ip: '127.0.0.1'})
  cleanup.push(async () => {
    await axon.stop(100)
    await miner.stop()
  })
  return axon
}

const flat = async (v: number) =>
  (await sharp({create: {width: 96, height: 96, channels: 3, background: {r: v, g: v, b: v}}}).jpeg({quality: 75}).toBuffer()).toString('base64')

describe('validator ↔ miners over the wire protocol', () => {
  it('rewards the right miner; timeouts, garbage, NaN, 0.5 and refusals get 0 and the validator carries on', async () => {
    const names = ['validator', 'good', 'half', 'hang', 'garbage', 'nan', 'down']
    const pairs = names.map((n) => keyring.addFromUri(`//bitmind-net-${n}`))
    const meta = {'bitmind.input_size': '16'}
    const mg: MetagraphLike & {axons: MetagraphLike['axons'][number][]} = {
      uids: names.map((_, i) => i),
      hotkeys: pairs.map((p) => p.address),
      stake: [1000, 0, 0, 0, 0, 0, 0],
      validatorPermit: [true, false, false, false, false, false, false],
      lastUpdate: new Array(names.length).fill(0),
      axons: [],
    }
    const current = () => mg
    // dark = fake: p = sigmoid(−20·(mean − 0.5))
    const good = await startMiner(pairs[1]!, tinyDetectorOnnx({scale: -20, bias: 10, inputSize: 16, metadata: meta}), current)
    const half = await startMiner(pairs[2]!, tinyDetectorOnnx({scale: 0, bias: 0, inputSize: 16, metadata: meta}), current)
    const ports = [
      0,
      good.port,
      half.port,
      await rawPeer(null),
      await rawPeer('{"image": "", "prediction": "fake for sure"}'),
      await rawPeer('{"image": "", "prediction": NaN}'),
      1, // nothing listens on port 1
    ]
    mg.axons.push(...ports.map((port, i) => ({ip: i === 0 ? '0.0.0.0' : '127.0.0.1', port, hotkey: pairs[i]!.address})))
    const chain: ValidatorChain & {block: number; set: number[][]} = {
      selfHotkey: pairs[0]!.address,
      block: 500,
      set: [],
      async currentBlock() {
        return this.block
      },
      async metagraph() {
        return mg
      },
      async weightLimits() {
        return {minAllowedWeights: 1, maxWeightLimit: 1}
      },
      async setWeights(uids, weights) {
        this.set.push([...uids, ...weights])
      },
    }
    const rng = createRng(3)
    const images = {real: await flat(220), fake: await flat(25)}
    const challenges = {
      async next(): Promise<Challenge> {
        const label = rng() < 0.5 ? 0 : 1
        return {label, source: 'flat', image: label === 1 ? images.fake : images.real}
      },
    }
    const dendrite = new Dendrite({keypair: pairs[0]!})
    const v = new Validator(chain, dendriteQuery(dendrite), challenges, {
      sampleSize: 10, timeoutS: 1.5, alpha: 0.1, vpermitTaoLimit: 4096, epochLength: 100, disableSetWeights: true, fullPath: path.join(tmp, 'v'),
    }, createRng(4))
    await v.start()
    const statuses = new Map<number, Set<number>>()
    const t0 = Date.now()
    for (let i = 0; i < 4; i++) {
      const r = await v.runStep()
      expect(r.uids.length).toBe(6)
      r.uids.forEach((uid, k) => {
        expect(r.rewards[k]).toBe(uid === 1 ? 1 : 0)
      })
    }
    const rows = (await fs.readFile(path.join(tmp, 'v', 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    for (const row of rows) {
      if (!statuses.has(row.uid)) statuses.set(row.uid, new Set())
      statuses.get(row.uid)!.add(row.statusCode)
    }
    expect([...statuses.get(1)!]).toEqual([200])
    expect([...statuses.get(2)!]).toEqual([200]) // 0.5 answers fine, earns nothing
    expect([...statuses.get(3)!]).toEqual([408])
    expect([...statuses.get(4)!]).toEqual([422])
    expect([...statuses.get(5)!]).toEqual([422])
    expect([...statuses.get(6)!]).toEqual([503])
    expect(v.scores[1]).toBeCloseTo(1 - 0.9 ** 4, 10)
    for (const u of [0, 2, 3, 4, 5, 6]) expect(v.scores[u]).toBe(0)
    // four steps, each bounded by the 1.5 s timeout of the hanging peer
    expect(Date.now() - t0).toBeLessThan(4 * 1500 + 4000)
  })
})
