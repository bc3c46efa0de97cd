import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {connectSubtensor} from '../../src/chain/index.js'
import {loadState} from '../../src/validator/state.js'
import {faultGenesis, freePort, registerNeurons, sleep, spawnBitmind, writeImages, type Spawned} from '../../bench/attack-lib.mjs'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-chainrestart-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length

describe('chain restart under running neurons', () => {
  it('devnet SIGKILLed and restarted on the same port: mine and validate reconnect, log it once, no score lost, weights set again', async () => {
    const port = await freePort()
    const url = `ws://127.0.0.1:${port}`
    const stateFile = path.join(tmp, 'devnet-state.json')
    const genesisFile = path.join(tmp, 'genesis.json')
    await fs.writeFile(genesisFile, JSON.stringify(faultGenesis()))
    const startChain = async () => {
      const c = spawnBitmind(['devnet', '--port', String(port), '--state', stateFile, '--block-time', '0.5', '--genesis', genesisFile])
      cleanup.push(() => c.stop('SIGKILL'))
      const m = await c.waitFor(/listening on \S+ \(block #(\d+)/, 30_000)
      return {c, block: Number(m[1])}
    }
    let chain = (await startChain()).c

    const wallets = path.join(tmp, 'wallets')
    const n = await registerNeurons(url, wallets, ['validator', 'miner'], {stake: {validator: 500}})
    const modelFile = path.join(tmp, 'good.onnx')
    await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
    await writeImages(path.join(tmp, 'real'), 230)
    await writeImages(path.join(tmp, 'fake'), 20)
    const wallet = (name: string) => ['--wallet.name', name, '--wallet.hotkey', 'default', '--wallet.path', wallets]
    const mine: Spawned = spawnBitmind(['mine', '--netuid', '1', '--subtensor.chain_endpoint', url, ...wallet('miner'),
      '--axon.port', String(await freePort()), '--axon.ip', '127.0.0.1', '--axon.external_ip', '127.0.0.1', '--neuron.model_path', modelFile])
    cleanup.push(() => mine.stop('SIGKILL'))
    await mine.waitFor(/miner running/, 60_000)
    const vDir = path.join(tmp, 'validator')
    const validate: Spawned = spawnBitmind(['validate', '--netuid', '1', '--subtensor.chain_endpoint', url, ...wallet('validator'),
      '--neuron.full_path', vDir, '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
      '--neuron.sample_size', '1', '--neuron.timeout', '3', '--neuron.epoch_length', '4', '--neuron.step_interval', '0.3', '--seed', '7'])
    cleanup.push(() => validate.stop('SIGKILL'))
    await validate.waitFor(/weights set/, 60_000)

    // the last block the chain had, read just before the kill
    const probe = await connectSubtensor(url)
    const blockAtKill = await probe.currentBlock()
    await probe.close()
    const vFrom = validate.log().length
    const mFrom = mine.log().length
    chain.child.kill('SIGKILL')
    await chain.exited
    const atKill = (await loadState(vDir))!
    // an outage of several retry rounds; the validator keeps challenging its miner meanwhile
    await sleep(4000)
    const during = (await loadState(vDir))!
    expect(during.step).toBeGreaterThan(atKill.step)

    const restarted = await startChain()
    chain = restarted.c
    // SIGKILL loses at most the blocks of the last ~2 s save period (`bitmind devnet --help`): ≤ 5 at 0.5 s blocks
    expect(restarted.block).toBeGreaterThanOrEqual(blockAtKill - 5)
    await validate.waitFor(/chain connection restored/, 30_000, vFrom)
    await mine.waitFor(/chain connection restored/, 30_000, mFrom)
    const vRestoredAt = validate.log().indexOf('chain connection restored', vFrom)
    await validate.waitFor(/weights set/, 30_000, vRestoredAt)

    const vLog = validate.log().slice(vFrom)
    const mLog = mine.log().slice(mFrom)
    if (process.env.FAULTS_VERBOSE) console.log(`validate:\n${vLog}\nmine:\n${mLog}`)
    // once per outage, not per retry: one "lost", one "restored", and none of polkadot's per-retry lines
    expect({
      vLost: count(vLog, /chain connection lost/), vRestored: count(vLog, /chain connection restored/),
      mLost: count(mLog, /chain connection lost/), mRestored: count(mLog, /chain connection restored/),
      vUnavailable: count(vLog, /chain unavailable/), apiWs: count(vLog + mLog, /API-WS|RPC-CORE|API\/INIT/),
      stepFailed: count(vLog, /step failed/),
    }).toEqual({vLost: 1, vRestored: 1, mLost: 1, mRestored: 1, vUnavailable: 1, apiWs: 0, stepFailed: 0})
    const attempts = Number(/chain connection restored.*attempts=(\d+)/.exec(vLog)![1])
    // backoff: 0.5 + 1 + 2 s… so a ~5 s outage takes a handful of attempts, not one per 0.5 s
    expect(attempts).toBeGreaterThanOrEqual(1)
    expect(attempts).toBeLessThanOrEqual(5)

    // no score lost: the honest miner's score only grew through the outage
    const after = (await loadState(vDir))!
    expect(after.step).toBeGreaterThan(during.step)
    expect(after.scores[n.miner!.uid]).toBeGreaterThan(atKill.scores[n.miner!.uid]!)
    // and the new chain has the validator's weights on the miner, set after the restart
    const c2 = await connectSubtensor(url)
    try {
      const mg = await c2.metagraph(1)
      expect(mg.weights[n.validator!.uid]!.map(([u]) => u)).toContain(n.miner!.uid)
      expect(mg.lastUpdate[n.validator!.uid]).toBeGreaterThan(restarted.block)
    } finally {
      await c2.close()
    }
    expect({mine: mine.child.exitCode, validate: validate.child.exitCode}).toEqual({mine: null, validate: null})
  }, 150_000)
})
