import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'
import {mnemonicGenerate} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {DEFAULT_MODEL_PATH} from '../../src/config/paths.js'
import {loadDetector} from '../../src/detector/index.js'
import {startDevnet} from '../../src/devnet/index.js'
import {decodeImage} from '../../src/image/index.js'
import {Dendrite, ImageSynapse} from '../../src/protocol/index.js'
import {loadHotkey} from '../../src/chain/neuron.js'
import {writeHotkey} from '../../src/wallet/index.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'
import {devPair} from '../protocol/helpers.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-mine-shipped-'))
const cleanup: (() => unknown)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
  await fs.rm(tmp, {recursive: true, force: true})
})

describe('bitmind mine without --neuron.model_path', () => {
  it('--help names the shipped model as the default', async () => {
    const r = await runCli(['mine', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/--neuron\.model_path=<value>\s+\[default: models\/npr-int8\.onnx \(shipped\)\]/)
  })

  it('serves the shipped detector: a registered validator gets its prediction', async () => {
    const ref = {name: 'miner', hotkey: 'h', path: tmp}
    await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
    const hotkey = await loadHotkey(ref)
    const devnet = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      genesis: {
        subnets: [{netuid: 1, tempo: 1000}],
        neurons: [{netuid: 1, hotkey: hotkey.address, coldkey: '//Alice'}, {netuid: 1, hotkey: '//Dave', coldkey: '//Alice'}],
      },
    })
    cleanup.push(() => devnet.stop())

    const child = spawn(process.execPath, [
      BIN, 'mine', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'miner', '--wallet.hotkey', 'h', '--wallet.path', tmp,
      '--axon.port', '0', '--axon.ip', '127.0.0.1', '--axon.external_ip', '127.0.0.1',
    ], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    cleanup.push(() => (child.exitCode === null ? (child.kill('SIGKILL'), exited) : undefined))

    const t0 = Date.now()
    let port: number | undefined
    while (port === undefined && child.exitCode === null && Date.now() - t0 < 60_000) {
      port = Number(/miner running .*port=(\d+)/.exec(stderr)?.[1]) || undefined
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(stderr).toMatch(new RegExp(`model loaded path=${DEFAULT_MODEL_PATH.replace(/[.\\/]/g, '\\$&')}`))
    expect(port).toBeGreaterThan(0)

    const jpeg = await sharp(path.join(ROOT, 'test', 'fixtures', 'images', 'sample.png')).jpeg({quality: 75}).toBuffer()
    const dendrite = new Dendrite({keypair: await devPair('//Dave')})
    cleanup.push(() => dendrite.close())
    const [r] = await dendrite.query([{ip: '127.0.0.1', port: port!, hotkey: hotkey.address}], ImageSynapse, {image: jpeg.toString('base64')}, {timeoutS: 30})
    expect(r!.statusCode).toBe(200)

    // the same image through the shipped model in this process
    const det = await loadDetector(DEFAULT_MODEL_PATH)
    try {
      const [expected] = await det.predict([await decodeImage(jpeg)])
      expect(r!.synapse!.prediction).toBeCloseTo(expected!, 5)
    } finally {
      await det.dispose()
    }

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 120_000)
})
