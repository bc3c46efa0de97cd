import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {loadDetector} from '../../src/detector/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {Miner} from '../../src/miner/miner.js'
import {ModelHolder} from '../../src/miner/model-holder.js'
import {startMinerAxon} from '../../src/miner/serve.js'
import {createWallet} from '../../src/wallet/index.js'
import {runCli} from '../helpers/cli.js'
import {tinyDetectorOnnx} from '../miner/tiny-onnx.js'

// A new user's path through the built binary on the devnet: wallet create → wallet transfer from //Alice →
// wallet balance → register → stake add → (no permit yet: the validator says so once) → the subnet's epoch gives the
// permit → the validator sets weights → stake remove returns the stake. Calls: balances.transferKeepAlive(dest, value),
// subtensorModule.addStake(hotkey, netuid, amountStaked), removeStake(hotkey, netuid, amountUnstaked), as finney's
// spec-343 metadata (assets/subtensor-metadata) defines them.
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-stake-cli-'))
const wallets = path.join(tmp, 'wallets')
const cleanup: (() => Promise<unknown>)[] = []
let devnet: Devnet
let client: SubtensorClient
let chain: string[]
let w: string[]

async function images(dir: string, v: number) {
  await fs.mkdir(dir, {recursive: true})
  for (let i = 0; i < 3; i++) {
    await sharp({create: {width: 64, height: 64, channels: 3, background: {r: v + i, g: v, b: v}}}).png().toFile(path.join(dir, `${i}.png`))
  }
}

// long enough that the setup's few blocks do not reach the first epoch (the pallet's: (block + netuid + 1) % (tempo + 1) = 0)
const TEMPO = 30

/** stderr without blank lines: what a user sees of a failure */
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '')

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    genesis: {
      subnets: [{netuid: 1, tempo: TEMPO, burn: 1, weightsSetRateLimit: 1, commitRevealWeightsEnabled: false}],
      neurons: [{netuid: 1, hotkey: '//StakeMiner', coldkey: '//Bob'}],
    },
  })
  cleanup.push(() => devnet.stop())
  client = await connectSubtensor(devnet.url)
  cleanup.push(() => client.close())
  chain = ['--subtensor.chain_endpoint', devnet.url]
  w = ['--wallet.path', wallets, '--wallet.name', 'val', '--wallet.hotkey', 'default']

  // one miner (uid 0) that tells bright "real" images from dark "fake" ones
  await images(path.join(tmp, 'real'), 230)
  await images(path.join(tmp, 'fake'), 20)
  const modelFile = path.join(tmp, 'good.onnx')
  await fs.writeFile(modelFile, tinyDetectorOnnx({scale: -30, bias: 15, inputSize: 16, metadata: {'bitmind.input_size': '16'}}))
  const minerKey = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//StakeMiner')
  const holder = await ModelHolder.open<RgbImage>(modelFile, (p) => loadDetector(p, {threads: 1}), {pollMs: 60_000})
  const miner = await Miner.create<RgbImage>({
    holder,
    decode: (b) => decodeImage(b),
    chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(1)},
    forceValidatorPermit: false,
  })
  const axon = await startMinerAxon(miner, {hotkey: minerKey, port: 0, ip: '127.0.0.1'})
  cleanup.push(async () => {
    await axon.stop(100)
    await miner.stop()
  })
  await client.serveAxon(minerKey, 1, {ip: '127.0.0.1', port: axon.port})
}, 60_000)

afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const validate = (steps: number) =>
  runCli(
    [
      'validate', '--netuid', '1', ...chain, ...w,
      '--neuron.full_path', path.join(tmp, 'state'),
      '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
      '--neuron.sample_size', '1', '--neuron.timeout', '5', '--neuron.epoch_length', '1', '--neuron.steps', String(steps), '--seed', '3',
    ],
    {timeoutMs: 90_000},
  )

describe('wallet balance / wallet transfer / stake add / stake remove on the devnet', () => {
  let coldkey: string
  let hotkey: string

  it('create → fund from //Alice → balance shows it → register → stake add', async () => {
    const created = await runCli(['wallet', 'create', ...w, '--no-password', '--json'])
    expect(created.code).toBe(0)
    ;({coldkey, hotkey} = JSON.parse(created.stdout) as {coldkey: string; hotkey: string})

    const sent = await runCli(['wallet', 'transfer', '--from', '//Alice', '--dest', 'val', '--amount', '1000', '--yes', '--json', ...chain, '--wallet.path', wallets])
    expect(sent.code).toBe(0)
    expect(JSON.parse(sent.stdout)).toMatchObject({dest: coldkey, amount: '1000'})

    const bal = await runCli(['wallet', 'balance', ...w, ...chain, '--json'])
    expect(bal.code).toBe(0)
    expect(JSON.parse(bal.stdout)).toMatchObject({address: coldkey, free: '1000', staked: [], total: '1000'})
    const text = await runCli(['wallet', 'balance', ...w, ...chain])
    expect(text.stdout).toContain('free    1000 TAO')

    const reg = await runCli(['register', '--netuid', '1', ...w, ...chain, '--yes', '--json'])
    expect(reg.code).toBe(0)
    expect(JSON.parse(reg.stdout)).toMatchObject({uid: 1, hotkey, method: 'burn'})

    // no --netuid: the one subnet the hotkey is registered on
    const staked = await runCli(['stake', 'add', '--amount', '500', ...w, ...chain, '--yes', '--json'])
    expect(staked.code).toBe(0)
    expect(JSON.parse(staked.stdout)).toMatchObject({netuid: 1, hotkey, stake: '500'})
    const after = JSON.parse((await runCli(['wallet', 'balance', ...w, ...chain, '--json'])).stdout) as {free: string; staked: unknown[]}
    expect(after.staked).toEqual([{hotkey, netuid: 1, stake: '500'}])
    expect(Number(after.free)).toBeLessThan(500)
    expect(Number(after.free)).toBeGreaterThan(498)
  }, 120_000)

  it('the validator has no permit before the epoch: it says so once with the stake command and sets no weights', async () => {
    expect((await client.metagraph(1)).validatorPermit[1]).toBe(false)
    const r = await validate(5)
    expect(r.code).toBe(0)
    const warned = lines(r.stderr).filter((l) => l.includes('no validator permit'))
    expect(warned).toHaveLength(1)
    expect(warned[0]).toContain(`bitmind stake add --amount <TAO> --netuid 1 --wallet.name val --wallet.hotkey default --subtensor.chain_endpoint ${devnet.url}`)
    expect(r.stderr).not.toContain('setting weights failed')
    expect((await client.metagraph(1)).lastUpdate[1]).toBe(0)
  }, 120_000)

  it('the next epoch gives the permit and the validator sets weights', async () => {
    // the permit comes with the subnet's next epoch: not a block before
    const epochBlock = (b: number) => (b + 1 + 1) % (TEMPO + 1) === 0
    while (!epochBlock(devnet.chain.head.number + 1)) {
      expect((await client.metagraph(1)).validatorPermit[1]).toBe(false)
      await devnet.advance(1)
    }
    await devnet.advance(1)
    const mg = await runCli(['metagraph', '--netuid', '1', ...chain, '--json'])
    expect((JSON.parse(mg.stdout) as {validatorPermit: boolean[]}).validatorPermit[1]).toBe(true)
    const r = await validate(3)
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('weights set')
    expect(r.stderr).not.toContain('no validator permit')
    const after = await client.metagraph(1)
    expect(after.lastUpdate[1]).toBeGreaterThan(0)
    expect(after.weights[1]).toContainEqual([0, 65535])
  }, 120_000)

  it('stake remove returns the stake to the coldkey', async () => {
    const before = JSON.parse((await runCli(['wallet', 'balance', ...w, ...chain, '--json'])).stdout) as {free: string; staked: {stake: string}[]}
    const held = Number(before.staked[0]!.stake)
    expect(held).toBeGreaterThanOrEqual(500) // plus what the epoch emitted to the hotkey
    const part = await runCli(['stake', 'remove', '--amount', '100', '--netuid', '1', ...w, ...chain, '--yes', '--json'])
    expect(part.code).toBe(0)
    expect(Number((JSON.parse(part.stdout) as {stake: string}).stake)).toBeCloseTo(held - 100, 6)
    const all = await runCli(['stake', 'remove', '--amount', 'all', ...w, ...chain, '--yes', '--json'])
    expect(all.code).toBe(0)
    const end = JSON.parse((await runCli(['wallet', 'balance', ...w, ...chain, '--json'])).stdout) as {free: string; staked: unknown[]}
    expect(end.staked).toEqual([])
    // the whole stake came back; the fees of the two calls are far below a TAO
    expect(Number(end.free)).toBeGreaterThan(Number(before.free) + held - 0.01)
    expect(Number(end.free)).toBeLessThanOrEqual(Number(before.free) + held)
  }, 120_000)

  it('bad amounts, unknown addresses and insufficient funds: one readable line each, exit 1', async () => {
    await createWallet({name: 'poor', hotkey: 'default', path: wallets, password: ''})
    const cases: [string[], RegExp][] = [
      [['register', '--netuid', '1', '--wallet.name', 'poor', '--wallet.path', wallets], /^Error: the coldkey holds 0 TAO, less than the 1 TAO burn: fund it first, e.g. bitmind wallet transfer --from \/\/Alice --dest \S+ --amount 1 /],
      [['wallet', 'transfer', '--dest', 'val', '--amount', 'abc', '--from', '//Alice'], /^Error: --amount "abc" is not a TAO amount: use a positive number/],
      [['wallet', 'transfer', '--dest', 'val', '--amount', '0', '--from', '//Alice'], /^Error: --amount "0" is zero/],
      [['stake', 'add', '--amount', '1.0000000001', ...w], /^Error: --amount "1.0000000001" is not a TAO amount/],
      [['stake', 'remove', '--amount', '-3', ...w], /^Error: --amount "-3" is not a TAO amount/],
      [['wallet', 'transfer', '--dest', 'nobody', '--amount', '1', '--from', '//Alice'], /^Error: unknown address --dest "nobody": not an SS58 address, and no wallet of that name in /],
      [['wallet', 'balance', '--address', '5Gfoo'], /^Error: unknown address --address "5Gfoo"/],
      [['wallet', 'transfer', ...w, '--dest', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '--amount', '1000000'], /^Error: insufficient funds: \S+ holds [\d.]+ TAO, less than the 1000000 TAO to send$/],
      [['stake', 'add', '--amount', '1000000', ...w], /^Error: insufficient funds: coldkey \S+ holds [\d.]+ TAO, less than the 1000000 TAO to stake$/],
      [['stake', 'remove', '--amount', '5', ...w], /^Error: coldkey \S+ has no stake on hotkey \S+ in netuid 1$/],
      // the chain's own refusal, decoded: below DefaultMinStake
      [['stake', 'add', '--amount', '0.000001', ...w], /^Error: subtensorModule\.addStake failed: the amount is below the chain’s minimum stake operation/],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli([...args, ...(args[1] === 'balance' ? [] : ['--yes']), ...chain, ...(args.includes('--wallet.path') ? [] : ['--wallet.path', wallets])])))
    results.forEach((r, i) => {
      const [args, want] = cases[i]!
      expect({args, code: r.code}).toEqual({args, code: 1})
      expect(lines(r.stderr)).toHaveLength(1)
      expect(lines(r.stderr)[0]).toMatch(want)
    })
  }, 120_000)
})
