import {spawn, type ChildProcess} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {loadDetector} from '../../src/detector/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {connectSubtensor} from '../../src/chain/index.js'
import {loadHotkey} from '../../src/chain/neuron.js'
import {addStake} from '../../src/validator/chain-adapter.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {loadState} from '../../src/validator/state.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-restart-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const TAO = 1_000_000_000n

async function images(dir: string, v: number) {
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < 3; i++) {
    await sharp({create: {width: 64, height: 64, channels: 3, background: {r: v + i, g: v, b: v}}}).png().toFile(path.join(dir, `${i}.png`))
  }
}

function spawnValidator(endpoint: string, extra: string[]): ChildProcess & {stderrText: () => string} {
  const child = spawn(process.execPath, [
    BIN, 'validate',
    '--netuid', '1',
    '--subtensor.chain_endpoint', endpoint,
    '--wallet.name', 'validator', '--wallet.hotkey', 'default', '--wallet.path', path.join(tmp, 'wallets'),
    '--neuron.full_path', path.join(tmp, 'state'),
    '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
    '--neuron.sample_size', '2', '--neuron.timeout', '5', '--neuron.epoch_length', '1000',
    '--neuron.step_interval', '0.3', '--seed', '3',
    ...extra,
  ], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  child.stdout!.resume()
  return Object.assign(child, {stderrText: () => err})
}

describe('bitmind validate survives SIGKILL', () => {
  it('a restarted validator resumes step and scores from its last saved step', async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
    const devnet: Devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: {subnets: [{netuid: 1, tempo: 5, weightsSetRateLimit: 1}]}})
    cleanup.push(() => devnet.stop())
    const client = await connectSubtensor(devnet.url)
    cleanup.push(() => client.close())
    const alice = keyring.addFromUri('//Alice')
    const register = async (name: string) => {
      const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
      const ref = {name, hotkey: 'default', path: path.join(tmp, 'wallets')}
      await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
      const hotkey = await loadHotkey(ref)
      await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 100n * TAO), alice)
      await client.burnedRegister(coldkey, hotkey.address, 1)
      return {coldkey, hotkey, uid: (await client.uidOf(1, hotkey.address))!}
    }
    const v = await register('validator')
    await addStake(client, v.coldkey, v.hotkey.address, 1, 50)
    await images(path.join(tmp, 'real'), 230)
    await images(path.join(tmp, 'fake'), 20)
    const modelFile = path.join(tmp, 'good.onnx')
    await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
    const m = await register('miner')
    const holder = await ModelHolder.open<RgbImage>(modelFile, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
    const miner = await Miner.create<RgbImage>({
      holder,
      decode: (b) => decodeImage(b),
      chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(1)},
      forceValidatorPermit: false,
    })
    const axon = await startMinerAxon(miner, {hotkey: m.hotkey, port: 0, ip: '127.0.0.1'})
    cleanup.push(async () => {
      await axon.stop(100)
      await miner.stop()
    })
    await client.serveAxon(m.hotkey, 1, {ip: '127.0.0.1', port: axon.port})

    // run until a few steps are saved, then SIGKILL (no chance to clean up)
    const first = spawnValidator(devnet.url, [])
    const t0 = Date.now()
    let saved = await loadState(path.join(tmp, 'state')).catch(() => undefined)
    while ((saved?.step ?? 0) < 3 && Date.now() - t0 < 40_000 && first.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100))
      saved = await loadState(path.join(tmp, 'state')).catch(() => undefined)
    }
    expect(first.exitCode).toBeNull()
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    const atKill = (await loadState(path.join(tmp, 'state')))!
    expect(atKill.step).toBeGreaterThanOrEqual(3)
    expect(atKill.scores[m.uid]).toBeGreaterThan(0)

    // restart for two more steps: it must continue from the saved step and scores, not from zero
    const second = spawnValidator(devnet.url, ['--neuron.steps', '2'])
    const code = await new Promise<number | null>((r) => second.once('exit', r))
    expect({code, stderr: code === 0 ? '' : second.stderrText()}).toEqual({code: 0, stderr: ''})
    expect(second.stderrText()).toMatch(new RegExp(`resumed validator state step=${atKill.step}\\b`))
    const after = (await loadState(path.join(tmp, 'state')))!
    expect(after.step).toBe(atKill.step + 2)
    // the right miner answered correctly twice more: s ← 0.1 + 0.9·s, twice
    const expected = 0.1 + 0.9 * (0.1 + 0.9 * atKill.scores[m.uid]!)
    expect(after.scores[m.uid]).toBeCloseTo(expected, 9)
    const rows = (await fs.readFile(path.join(tmp, 'state', 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    const steps = rows.map((r) => r.step as number)
    expect(steps.slice(-2)).toEqual([atKill.step, atKill.step + 1])
    // the miner's answer history survived the SIGKILL and grew by the two new answers; every row names its level
    expect(atKill.histories![m.uid]!.length).toBe(atKill.step)
    expect(after.histories![m.uid]!.slice(0, atKill.step)).toEqual(atKill.histories![m.uid])
    expect(after.histories![m.uid]!.length).toBe(atKill.step + 2)
    expect(rows.every((r) => [0, 1, 2, 3].includes(r.level) && r.augmentation.level === r.level)).toBe(true)
  }, 170_000)
})
