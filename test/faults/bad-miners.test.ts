import {promises as fs} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {connectSubtensor} from '../../src/chain/index.js'
import {createLogger} from '../../src/config/logger.js'
import {createRng} from '../../src/config/random.js'
import {FolderPool} from '../../src/data/folder-pool.js'
import {loadDetector} from '../../src/detector/index.js'
import {startDevnet} from '../../src/devnet/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {Axon, Dendrite, ImageSynapse} from '../../src/protocol/index.js'
import {validatorChain} from '../../src/validator/chain-adapter.js'
import {ChallengeBuilder} from '../../src/validator/challenge.js'
import {dendriteQuery} from '../../src/validator/dendrite-query.js'
import {readResults} from '../../src/validator/results-log.js'
import {Validator} from '../../src/validator/validator.js'
import {faultGenesis, registerNeurons, writeImages} from '../../bench/attack-lib.mjs'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-badminers-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const TIMEOUT_S = 1

/** A raw HTTP "miner" that misbehaves below the protocol: never answers, answers garbage, hangs up, or is slow. */
async function rawMiner(behave: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => behave(req, res))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanup.push(() => new Promise((r) => {
    server.closeAllConnections()
    server.close(r)
  }))
  return (server.address() as AddressInfo).port
}

describe('validator vs bad miners', () => {
  it('keeps stepping on schedule, scores every bad miner 0 each step, the honest miner keeps its score', async () => {
    const devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: faultGenesis()})
    cleanup.push(() => devnet.stop())
    const names = ['validator', 'honest', 'timeout', 'garbage', 'nan', 'two', 'minus_one', 'hangup', 'slow']
    const n = await registerNeurons(devnet.url, path.join(tmp, 'wallets'), names)
    const client = await connectSubtensor(devnet.url)
    cleanup.push(() => client.close())

    // the honest miner: a real miner process path with a real ONNX detector that calls dark images fake
    const modelFile = path.join(tmp, 'good.onnx')
    await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
    const holder = await ModelHolder.open<RgbImage>(modelFile, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
    const miner = await Miner.create<RgbImage>({holder, decode: (b) => decodeImage(b), chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(1)}, forceValidatorPermit: false})
    const honest = await startMinerAxon(miner, {hotkey: n.honest!.hotkey, port: 0, ip: '127.0.0.1'})
    cleanup.push(async () => {
      await honest.stop(100)
      await miner.stop()
    })
    // answers that are well-formed on the wire but not probabilities: real axons, bad forwards
    const badAnswer = async (name: string, prediction: number) => {
      const axon = new Axon({hotkey: n[name]!.hotkey, port: 0, ip: '127.0.0.1'})
      axon.attach(ImageSynapse, async (s) => ({...s, prediction}))
      await axon.start()
      cleanup.push(() => axon.stop(100))
      return axon.port
    }
    const ports: Record<string, number> = {
      honest: honest.port,
      timeout: await rawMiner(() => {}),
      garbage: await rawMiner((_q, res) => res.writeHead(200, {'content-type': 'application/json'}).end('{"prediction": 0.9, "image": ')),
      // Python's json.dumps writes NaN bare; JSON has no such token
      nan: await rawMiner((_q, res) => res.writeHead(200, {'content-type': 'application/json'}).end('{"image": "", "prediction": NaN}')),
      two: await badAnswer('two', 2.0),
      minus_one: await badAnswer('minus_one', -1),
      hangup: await rawMiner((req) => req.socket.destroy()),
      slow: await rawMiner((_q, res) => {
        const t = setTimeout(() => res.writeHead(200, {'content-type': 'application/json'}).end('{"image": "", "prediction": 0.9}'), TIMEOUT_S * 1500)
        res.on('close', () => clearTimeout(t))
      }),
    }
    for (const [name, port] of Object.entries(ports)) await client.serveAxon(n[name]!.hotkey, 1, {ip: '127.0.0.1', port})

    await writeImages(path.join(tmp, 'real'), 230)
    await writeImages(path.join(tmp, 'fake'), 20)
    const challenges = new ChallengeBuilder({
      realPools: [await FolderPool.open(path.join(tmp, 'real'), {label: 0})],
      fakePools: [await FolderPool.open(path.join(tmp, 'fake'), {label: 1})],
      fakeSources: [],
      rng: createRng(5),
      size: 64,
    })
    const lines: string[] = []
    const dendrite = new Dendrite({keypair: n.validator!.hotkey})
    cleanup.push(async () => dendrite.close())
    const v = new Validator(
      validatorChain(client, 1, n.validator!.hotkey),
      dendriteQuery(dendrite),
      challenges,
      {sampleSize: 8, timeoutS: TIMEOUT_S, alpha: 0.1, vpermitTaoLimit: 4096, epochLength: 1000, disableSetWeights: true, fullPath: path.join(tmp, 'v')},
      createRng(6),
      {logger: createLogger({level: 'debug', write: (l) => lines.push(l)})},
    )
    await v.start()
    const uid = (name: string) => n[name]!.uid
    const STEPS = 4
    const durations: number[] = []
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now()
      const r = await v.runStep()
      durations.push(performance.now() - t0)
      expect(r.uids.length).toBe(8)
      const byName = Object.fromEntries(Object.keys(ports).map((name) => [name, r.rewards[r.uids.indexOf(uid(name))]]))
      expect(byName).toEqual({honest: 1, timeout: 0, garbage: 0, nan: 0, two: 0, minus_one: 0, hangup: 0, slow: 0})
    }
    // on schedule: a step waits for the slowest miner only up to the timeout (plus challenge and bookkeeping)
    expect(Math.max(...durations)).toBeLessThan(TIMEOUT_S * 1000 + 1500)
    expect(v.step).toBe(STEPS)
    // the honest miner's moving average: 1 - 0.9^STEPS; every bad miner stays at 0
    expect(v.scores[uid('honest')]).toBeCloseTo(1 - 0.9 ** STEPS, 9)
    for (const name of Object.keys(ports).filter((x) => x !== 'honest')) expect({name, score: v.scores[uid(name)]}).toEqual({name, score: 0})

    // what the results log says per miner (the statuses the dendrite mapped each failure to)
    const rows = await readResults(path.join(tmp, 'v', 'results.jsonl'))
    const statusOf = (name: string) => [...new Set(rows.filter((r) => r.uid === uid(name)).map((r) => r.statusCode))]
    expect(Object.fromEntries(Object.keys(ports).map((name) => [name, statusOf(name)]))).toEqual({
      honest: [200], timeout: [408], garbage: [422], nan: [422], two: [200], minus_one: [200], hangup: [422], slow: [408],
    })
    expect(rows.filter((r) => r.uid === uid('two')).every((r) => r.prediction === 2 && r.reward === 0)).toBe(true)
    expect(lines.filter((l) => /ERROR|step failed/.test(l))).toEqual([])
  }, 90_000)
})
