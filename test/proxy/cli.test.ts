import {spawn, type ChildProcess} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {loadHotkey} from '../../src/chain/neuron.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {Axon, ImageSynapse} from '../../src/protocol/index.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {BIN, ROOT} from '../helpers/cli.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-proxy-cli-'))
const wallets = path.join(tmp, 'wallets')
const TAO = 1_000_000_000n
let devnet: Devnet
let client: SubtensorClient
let axon: Axon
const PNG = path.join(ROOT, 'test', 'fixtures', 'images', 'sample.png')

beforeAll(async () => {
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: {subnets: [{netuid: 1, tempo: 5, weightsSetRateLimit: 1}]}})
  client = await connectSubtensor(devnet.url)
  const alice = keyring.addFromUri('//Alice')
  const register = async (name: string) => {
    const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
    const ref = {name, hotkey: 'default', path: wallets}
    await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
    const hotkey = await loadHotkey(ref)
    await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 100n * TAO), alice)
    await client.burnedRegister(coldkey, hotkey.address, 1)
    return hotkey
  }
  await register('validator')
  const miner = await register('miner')
  await writeHotkey({name: 'stranger', hotkey: 'default', path: wallets}, {mnemonic: mnemonicGenerate()})
  // a real axon with a fixed answer: what the CLI wiring does is the question here, not a model
  axon = new Axon({hotkey: miner, port: 0, ip: '127.0.0.1'})
  axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.8125}))
  await axon.start()
  await client.serveAxon(miner, 1, {ip: '127.0.0.1', port: axon.port})
}, 60_000)

afterAll(async () => {
  await axon?.stop(100)
  await client?.close()
  await devnet?.stop()
  await fs.rm(tmp, {recursive: true, force: true})
})

/** Spawns the CLI and resolves with the proxy URL once `pattern` shows it on stdout or stderr. */
function serve(args: string[], pattern: RegExp): Promise<{child: ChildProcess; url: string; output: () => string}> {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no proxy URL in 40 s:\n${out}`)), 40_000)
    const on = (d: Buffer) => {
      out += d.toString()
      const m = pattern.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({child, url: m[1]!, output: () => out})
      }
    }
    child.stdout!.on('data', on)
    child.stderr!.on('data', on)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code}) before serving:\n${out}`))
    })
  })
}

async function detect(url: string) {
  const form = new FormData()
  form.append('image', new Blob([new Uint8Array(await fs.readFile(PNG))], {type: 'image/png'}), 'sample.png')
  const res = await fetch(new URL('v1/detect', url), {method: 'POST', body: form})
  return {status: res.status, body: (await res.json()) as {probability: number; verdict: string; responded: number}}
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  child.kill('SIGINT')
  return exited
}

const chain = () => ['--netuid', '1', '--subtensor.chain_endpoint', devnet.url, '--wallet.path', wallets, '--wallet.hotkey', 'default']

describe('bitmind proxy and bitmind validate --proxy.port', () => {
  it('bitmind proxy serves the pool on the validator hotkey until SIGINT', async () => {
    const {child, url} = await serve(
      ['proxy', ...chain(), '--wallet.name', 'validator', '--proxy.port', '0', '--proxy.host', '127.0.0.1', '--proxy.keys_file', path.join(tmp, 'keys.json')],
      /^proxy: (http:\/\/127\.0\.0\.1:\d+\/)/m,
    )
    const r = await detect(url)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({probability: 0.8125, verdict: 'fake', responded: 1})
    expect(await stop(child)).toBe(0)
  }, 60_000)

  it('bitmind validate --proxy.port serves the same API beside the scoring loop', async () => {
    const {child, url} = await serve(
      ['validate', ...chain(), '--wallet.name', 'validator', '--data.real_dir', path.join(ROOT, 'test', 'fixtures', 'images'),
        '--neuron.full_path', path.join(tmp, 'state'), '--neuron.sample_size', '1', '--neuron.timeout', '5', '--neuron.step_interval', '0.5',
        '--proxy.port', '0', '--proxy.host', '127.0.0.1', '--proxy.keys_file', path.join(tmp, 'keys.json')],
      /proxy serving url=(http:\/\/127\.0\.0\.1:\d+\/)/,
    )
    const r = await detect(url)
    expect(r.status).toBe(200)
    expect(r.body.probability).toBe(0.8125)
    expect(await stop(child)).toBe(0)
  }, 60_000)

  it('bitmind proxy refuses an unregistered hotkey with the register line', async () => {
    const child = spawn(process.execPath, [BIN, 'proxy', ...chain(), '--wallet.name', 'stranger', '--proxy.port', '0'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.resume()
    const code = await new Promise((r) => child.once('exit', r))
    expect(code).toBe(1)
    expect(err.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/is not registered on subnet 1\. Register it first: bitmind register --netuid 1 --wallet.name stranger/)
  }, 60_000)
})
