import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {loadHotkey} from '../../src/chain/neuron.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {loadDetector} from '../../src/detector/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon, startMinerEpistula} from '../../src/miner/serve.js'
import {EpistulaClient} from '../../src/protocol/index.js'
import {addStake} from '../../src/validator/chain-adapter.js'
import {readResults} from '../../src/validator/results-log.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-epistula-cli-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const TAO = 1_000_000_000n

async function images(dir: string, v: number) {
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < 3; i++) await sharp({create: {width: 64, height: 64, channels: 3, background: {r: v + i, g: v, b: v}}}).png().toFile(path.join(dir, `${i}.png`))
}

describe('Epistula v2 through the CLI on a devnet', () => {
  let devnet: Devnet
  let client: SubtensorClient
  let register: (name: string) => Promise<{hotkey: KeyringPair; coldkey: KeyringPair; uid: number}>
  const modelFile = path.join(tmp, 'good.onnx')

  beforeAll(async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
    devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: {subnets: [{netuid: 1, tempo: 5, weightsSetRateLimit: 1}]}})
    cleanup.push(() => devnet.stop())
    client = await connectSubtensor(devnet.url)
    cleanup.push(() => client.close())
    const alice = keyring.addFromUri('//Alice')
    register = async (name: string) => {
      const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
      const ref = {name, hotkey: 'default', path: path.join(tmp, 'wallets')}
      await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
      const hotkey = await loadHotkey(ref)
      await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 100n * TAO), alice)
      await client.burnedRegister(coldkey, hotkey.address, 1)
      return {hotkey, coldkey, uid: (await client.uidOf(1, hotkey.address))!}
    }
    const v = await register('validator')
    await addStake(client, v.coldkey, v.hotkey.address, 1, 50)
    await images(path.join(tmp, 'real'), 230)
    await images(path.join(tmp, 'fake'), 20)
    await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
  }, 60_000)

  it('bitmind validate --neuron.transport epistula: an Epistula miner answers, a synapse-only axon is a 404', async () => {
    const serveMiner = async (name: string, epistula: boolean) => {
      const n = await register(name)
      const holder = await ModelHolder.open<RgbImage>(modelFile, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
      const miner = await Miner.create<RgbImage>({
        holder,
        decode: (b) => decodeImage(b),
        chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(1)},
        forceValidatorPermit: false,
      })
      const axon = await startMinerAxon(miner, {hotkey: n.hotkey, port: 0, ip: '127.0.0.1'})
      const endpoint = epistula ? await startMinerEpistula(miner, {hotkey: n.hotkey, axon}) : undefined
      cleanup.push(async () => {
        await endpoint?.stop(100)
        await axon.stop(100)
        await miner.stop()
      })
      await client.serveAxon(n.hotkey, 1, {ip: '127.0.0.1', port: axon.port})
      return n.uid
    }
    const both = await serveMiner('both', true)
    const synapseOnly = await serveMiner('synapse-only', false)

    const child = spawn(process.execPath, [
      BIN, 'validate', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'validator', '--wallet.hotkey', 'default', '--wallet.path', path.join(tmp, 'wallets'),
      '--neuron.full_path', path.join(tmp, 'state'),
      '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
      '--neuron.sample_size', '2', '--neuron.timeout', '5', '--neuron.epoch_length', '1000', '--seed', '5',
      '--neuron.transport', 'epistula', '--neuron.steps', '3',
    ], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.resume()
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect({code, stderr: code === 0 ? '' : stderr}).toEqual({code: 0, stderr: ''})
    expect(stderr).toMatch(/validator starting .*transport=epistula/)
    const rows = await readResults(path.join(tmp, 'state', 'results.jsonl'))
    const of = (uid: number) => rows.filter((r) => r.uid === uid)
    expect(of(both).map((r) => r.statusCode)).toEqual([200, 200, 200])
    expect(of(both).every((r) => r.reward === 1 && typeof r.prediction === 'number')).toBe(true)
    expect(of(synapseOnly).map((r) => r.statusCode)).toEqual([404, 404, 404])
    expect(of(synapseOnly).every((r) => r.reward === 0)).toBe(true)
  }, 120_000)
  it('bitmind mine serves /detect_image on its axon port, with --blacklist.min_stake', async () => {
    const m = await register('cli-miner')
    const small = await register('small-validator')
    await addStake(client, small.coldkey, small.hotkey.address, 1, 5)
    const child = spawn(process.execPath, [
      BIN, 'mine', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'cli-miner', '--wallet.hotkey', 'default', '--wallet.path', path.join(tmp, 'wallets'),
      '--axon.port', '0', '--axon.ip', '127.0.0.1', '--neuron.model_path', modelFile, '--blacklist.min_stake', '20',
    ], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.resume()
    const exited = new Promise<number | null>((r) => child.once('exit', r))
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    // the miner announces the port it bound
    const t0 = Date.now()
    let port = 0
    while (port === 0 && Date.now() - t0 < 40_000 && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200))
      port = (await client.metagraph(1)).axons[m.uid]?.port ?? 0
    }
    expect({port: port > 0, stderr: port > 0 ? '' : stderr}).toEqual({port: true, stderr: ''})
    const target = {ip: '127.0.0.1', port, hotkey: m.hotkey.address}
    const image = await sharp({create: {width: 64, height: 64, channels: 3, background: {r: 20, g: 20, b: 20}}}).jpeg().toBuffer()
    const staked = new EpistulaClient({keypair: (await loadHotkey({name: 'validator', hotkey: 'default', path: path.join(tmp, 'wallets')}))})
    const under = new EpistulaClient({keypair: small.hotkey})
    try {
      const ok = await staked.detectImage(target, image, 10)
      expect(ok.statusCode).toBe(200)
      expect(ok.prediction![1]).toBeGreaterThan(0.9)
      const refused = await under.detectImage(target, image, 10)
      expect(refused.statusCode).toBe(401)
      expect(refused.statusMessage).toMatch(/below the floor 20/)
    } finally {
      staked.close()
      under.close()
    }
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 90_000)
})
