import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {mnemonicGenerate} from '@polkadot/util-crypto'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-neuron-cli-'))
let devnet: Devnet
beforeAll(async () => {
  devnet = await startDevnet({port: 0, blockTimeMs: 0})
  await writeHotkey({name: 'newbie', hotkey: 'default', path: tmp}, {mnemonic: mnemonicGenerate()})
  await fs.writeFile(path.join(tmp, 'm.onnx'), tinyDetectorOnnx({scale: 0, bias: 0, inputSize: 8, metadata: {'bitmind.input_size': '8'}}))
})
afterAll(async () => {
  await devnet?.stop()
  await fs.rm(tmp, {recursive: true, force: true})
})

describe('neuron commands refuse an unregistered hotkey with the line to run', () => {
  it('bitmind mine and bitmind validate', async () => {
    const common = ['--netuid', '1', '--subtensor.chain_endpoint', devnet.url, '--wallet.name', 'newbie', '--wallet.path', tmp]
    const [mine, validate] = await Promise.all([
      runCli(['mine', ...common, '--axon.port', '18091', '--neuron.model_path', path.join(tmp, 'm.onnx')]),
      runCli(['validate', ...common, '--data.real_dir', path.join(ROOT, 'test', 'fixtures', 'images')]),
    ])
    for (const r of [mine, validate]) {
      expect(r.code).toBe(1)
      // oclif wraps long error lines and prefixes them with "›"
      const text = r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
      expect(text).toMatch(/is not registered on subnet 1/)
      expect(text).toContain(`bitmind register --netuid 1 --wallet.name newbie --wallet.hotkey default --subtensor.chain_endpoint ${devnet.url}`)
    }
  }, 60_000)
})
