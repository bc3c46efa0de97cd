import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady, mnemonicGenerate} from '@polkadot/util-crypto'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {loadHotkey} from '../../src/chain/neuron.js'
import {createLogger} from '../../src/config/logger.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {runMiner} from '../../src/miner/run.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

// --metrics.host: the neurons' metrics servers listen on loopback unless the operator chooses otherwise.

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-metrics-host-'))
const wallets = path.join(tmp, 'wallets')
let devnet: Devnet
let client: SubtensorClient

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({port: 0, blockTimeMs: 0})
  client = await connectSubtensor(devnet.url)
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  const alice = keyring.addFromUri('//Alice')
  for (const name of ['miner', 'validator']) {
    const ref = {name, hotkey: 'default', path: wallets}
    await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
    await client.burnedRegister(alice, (await loadHotkey(ref)).address, 1)
  }
  await fs.writeFile(path.join(tmp, 'm.onnx'), tinyDetectorOnnx({scale: 0, bias: 0, inputSize: 8, metadata: {'bitmind.input_size': '8'}}))
}, 60_000)

afterAll(async () => {
  await client?.close()
  await devnet?.stop()
  await fs.rm(tmp, {recursive: true, force: true})
})

const metricsUrl = (log: string): string | undefined => /metrics url=(http:\/\/\S+\/metrics)/.exec(log)?.[1]

describe('--metrics.host', () => {
  it('is on mine and validate, default 127.0.0.1', async () => {
    for (const cmd of ['mine', 'validate']) {
      const r = await runCli([cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/--metrics\.host=<value>\s+[^\n]*\[default: 127\.0\.0\.1\]/)
    }
  })

  it('bitmind validate serves its metrics on 127.0.0.1 by default', async () => {
    const child = spawn(process.execPath, [
      BIN, 'validate', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'validator', '--wallet.path', wallets, '--neuron.full_path', path.join(tmp, 'vstate'),
      '--data.real_dir', path.join(ROOT, 'test', 'fixtures', 'images'), '--neuron.step_interval', '0.2', '--metrics.port', '0',
    ], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      const t0 = Date.now()
      while (!metricsUrl(err) && child.exitCode === null && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50))
      const url = metricsUrl(err)
      expect({url, err: url ? '' : err}).toEqual({url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/), err: ''})
      const res = await fetch(url!)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('bitmind_validator_')
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  }, 90_000)

  it('runMiner binds the host it is given, and loopback when none is', async () => {
    for (const [host, expected] of [[undefined, '127.0.0.1'], ['0.0.0.0', '0.0.0.0']] as const) {
      const lines: string[] = []
      const logger = createLogger({write: (l) => lines.push(l)})
      const ac = new AbortController()
      const run = runMiner({
        netuid: 1, network: 'local', chainEndpoint: devnet.url,
        wallet: {name: 'miner', hotkey: 'default', path: wallets},
        axon: {port: 0, ip: '127.0.0.1'},
        modelPath: path.join(tmp, 'm.onnx'),
        epochLength: 100, batch: {windowMs: 1, maxBatch: 4},
        forceValidatorPermit: false, allowNonRegistered: false, serve: false,
        metricsPort: 0, metricsHost: host,
        logger, signal: ac.signal,
      })
      const t0 = Date.now()
      while (!metricsUrl(lines.join('\n')) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50))
      const url = metricsUrl(lines.join('\n'))
      ac.abort()
      await run
      expect(url).toMatch(new RegExp(`^http://${expected.replace(/\./g, '\\.')}:\\d+/metrics$`))
    }
  }, 60_000)
})
