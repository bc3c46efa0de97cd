import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {connectSubtensor} from '../../src/chain/index.js'
import {createRng} from '../../src/config/random.js'
import {loadDetector} from '../../src/detector/index.js'
import {startDevnet} from '../../src/devnet/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {loadState} from '../../src/validator/state.js'
import {faultGenesis, killLoop, registerNeurons, spawnBitmind, writeImages} from '../../bench/attack-lib.mjs'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-powerloss-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

/** bench/attack.mjs runs the same loop 20 times (and more); each run is a fresh `bitmind validate` start-up */
const RUNS = 8

describe('power loss: the validator SIGKILLed at random points', () => {
  it(`${RUNS} kills: state.json and results.jsonl always readable, each start resumes losing at most the step in progress`, async () => {
    const devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: faultGenesis()})
    cleanup.push(() => devnet.stop())
    const wallets = path.join(tmp, 'wallets')
    const n = await registerNeurons(devnet.url, wallets, ['validator', 'miner'])
    const client = await connectSubtensor(devnet.url)
    cleanup.push(() => client.close())
    const modelFile = path.join(tmp, 'good.onnx')
    await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
    const holder = await ModelHolder.open<RgbImage>(modelFile, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
    const miner = await Miner.create<RgbImage>({holder, decode: (b) => decodeImage(b), chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(1)}, forceValidatorPermit: false})
    const axon = await startMinerAxon(miner, {hotkey: n.miner!.hotkey, port: 0, ip: '127.0.0.1'})
    cleanup.push(async () => {
      await axon.stop(100)
      await miner.stop()
    })
    await client.serveAxon(n.miner!.hotkey, 1, {ip: '127.0.0.1', port: axon.port})
    await writeImages(path.join(tmp, 'real'), 230)
    await writeImages(path.join(tmp, 'fake'), 20)

    const vDir = path.join(tmp, 'validator')
    const resultsFile = path.join(vDir, 'results.jsonl')
    const args = ['validate', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'validator', '--wallet.hotkey', 'default', '--wallet.path', wallets,
      '--neuron.full_path', vDir, '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
      '--neuron.sample_size', '1', '--neuron.timeout', '2', '--neuron.epoch_length', '1000', '--neuron.disable_set_weights']
    const {rows, violations, savedStep} = await killLoop({args, stateDir: vDir, runs: RUNS, random: createRng(18), maxDelayMs: 1500, loadState})
    expect(violations).toEqual([])
    const expectedStep = savedStep
    // a last clean run repairs the log: every saved step's rows once, in order, nothing of an unsaved step
    const last = spawnBitmind([...args, '--neuron.steps', '1'])
    cleanup.push(() => last.stop('SIGKILL'))
    expect((await last.exited).code).toBe(0)
    if (expectedStep > 0) expect(last.log()).toMatch(new RegExp(`resumed validator state step=${expectedStep}\\b`))
    const final = (await loadState(vDir))!
    expect(final.step).toBe(expectedStep + 1)
    const steps = (await fs.readFile(resultsFile, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as {step: number}).step)
    expect(steps).toEqual(Array.from({length: final.step}, (_, i) => i))
    // the kills landed while it was stepping (not all during start-up)
    expect(rows.filter((r) => r.stepsSaved > 0).length).toBeGreaterThan(0)
    expect(final.scores[n.miner!.uid]).toBeCloseTo(1 - 0.9 ** final.step, 9)
  }, 170_000)
})
