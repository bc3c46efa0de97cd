import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it, jest} from '@jest/globals'
import type {ApiPromise} from '@polkadot/api'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {blake2AsU8a, cryptoWaitReady, decodeAddress} from '@polkadot/util-crypto'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {sealHash, sealMeetsDifficulty} from '../../src/devnet/subtensor.js'
import {connect, json, num, send} from './helpers.js'

/** The RPC refuses the extrinsic with `reason`; polkadot logs each refusal on console.error itself, which is checked
 * here instead of printed. */
async function refused(call: Promise<unknown>, reason: RegExp): Promise<void> {
  const logged = jest.spyOn(console, 'error').mockImplementation(() => {})
  try {
    await expect(call).rejects.toThrow(reason)
    expect(logged.mock.calls.map((c) => c.join(' ')).join('\n')).toMatch(reason)
  } finally {
    logged.mockRestore()
  }
}

// Facts checked against finney's metadata (assets/subtensor-metadata, spec 343): SubtensorModule calls
// burned_register(netuid, hotkey), serve_axon(netuid, version, ip u128, port, ip_type, protocol, p1, p2),
// set_weights(netuid, dests, weights, version_key), commit_weights(netuid, H256), reveal_weights(netuid, uids,
// values, salt, version_key); storage Uids/Keys/Axons/Weights/Incentive; error names HotKeyAlreadyRegisteredInSubNet,
// CommitRevealEnabled, RevealTooEarly, InvalidSeal.

let devnet: Devnet
let api: ApiPromise
let k: Keyring
let alice: KeyringPair
let bob: KeyringPair
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-state-'))
const statePath = path.join(stateDir, 'state.json')

const hot = (name: string) => k.addFromUri(`//${name}`)

beforeAll(async () => {
  await cryptoWaitReady()
  k = new Keyring({type: 'sr25519', ss58Format: 42})
  alice = k.addFromUri('//Alice')
  bob = k.addFromUri('//Bob')
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    statePath,
    genesis: {
      subnets: [
        {netuid: 1, tempo: 10, difficulty: 50, minAllowedWeights: 1},
        {netuid: 2, tempo: 6, commitRevealWeightsEnabled: true, revealPeriodEpochs: 1},
      ],
    },
  })
  api = await connect(devnet.url)
}, 30_000)

afterAll(async () => {
  await api?.disconnect()
  await devnet?.stop()
  fs.rmSync(stateDir, {recursive: true, force: true})
})

const uidOf = async (netuid: number, hotkey: string) => json(await api.query.subtensorModule.uids(netuid, hotkey))

describe('the devnet through @polkadot/api', () => {
  it('serves the real finney metadata with no custom types', async () => {
    expect(api.runtimeVersion.specName.toString()).toBe('node-subtensor')
    expect(api.runtimeVersion.specVersion.toNumber()).toBe(343)
    expect(api.runtimeMetadata.version).toBeGreaterThanOrEqual(14)
    expect(typeof api.tx.subtensorModule.burnedRegister).toBe('function')
    expect(typeof api.tx.subtensorModule.setMechanismWeights).toBe('function')
    expect(typeof api.call.neuronInfoRuntimeApi.getNeuronsLite).toBe('function')
    expect(api.registry.chainSS58).toBe(42)
  })

  it('pushes new heads and storage changes to subscribers', async () => {
    const heads: number[] = []
    const balances: string[] = []
    const unsubHeads = await api.rpc.chain.subscribeNewHeads((h) => {
      heads.push(h.number.toNumber())
    })
    const subscribeAccount = api.query.system.account as unknown as (
      who: string,
      cb: (a: unknown) => void,
    ) => Promise<() => void>
    const unsubAcct = await subscribeAccount(bob.address, (a) =>
      balances.push(String((json(a) as {data: {free: number}}).data.free)),
    )
    await send(api, api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000n), alice)
    await new Promise((r) => setTimeout(r, 200))
    unsubHeads()
    unsubAcct()
    expect(heads.length).toBeGreaterThanOrEqual(2)
    expect(heads[heads.length - 1]).toBeGreaterThan(heads[0]!)
    expect(balances.length).toBe(2)
    expect(BigInt(balances[1]!) - BigInt(balances[0]!)).toBe(1_000_000_000n)
  })

  it('transfers balance, charges a fee and reports events', async () => {
    const free = async (a: string) => (json(await api.query.system.account(a)) as {data: {free: number}}).data.free
    const [a0, b0] = [await free(alice.address), await free(bob.address)]
    const info = await api.tx.balances.transferKeepAlive(bob.address, 5_000_000_000n).paymentInfo(alice)
    expect(info.partialFee.toBigInt()).toBeGreaterThan(0n)
    const r = await send(api, api.tx.balances.transferKeepAlive(bob.address, 5_000_000_000n), alice)
    expect(r).toMatchObject({ok: true})
    expect(r.events).toContain('balances.Transfer')
    expect((await free(bob.address)) - b0).toBe(5e9)
    expect(a0 - (await free(alice.address))).toBe(5e9 + Number(info.partialFee.toBigInt()))
    const names = ((await api.query.system.events()) as unknown as {event: {section: string; method: string}}[]).map(
      (e) => `${e.event.section}.${e.event.method}`,
    )
    expect(names).toEqual(expect.arrayContaining(['balances.Transfer', 'system.ExtrinsicSuccess']))
  })
})

describe('SubtensorModule on the devnet', () => {
  it('burned_register charges the burn, assigns uids and emits NeuronRegistered', async () => {
    const before = (json(await api.query.system.account(alice.address)) as {data: {free: number}}).data.free
    const r = await send(api, api.tx.subtensorModule.burnedRegister(1, hot('V1').address), alice)
    expect(r).toMatchObject({ok: true})
    expect(r.events).toContain('subtensorModule.NeuronRegistered')
    const after = (json(await api.query.system.account(alice.address)) as {data: {free: number}}).data.free
    expect(before - after).toBeGreaterThanOrEqual(1e9) // burn 1 TAO + fee
    for (const m of ['M1', 'M2']) expect(await send(api, api.tx.subtensorModule.burnedRegister(1, hot(m).address), bob)).toMatchObject({ok: true})
    expect(await uidOf(1, hot('V1').address)).toBe(0)
    expect(await uidOf(1, hot('M2').address)).toBe(2)
    expect(num(await api.query.subtensorModule.subnetworkN(1))).toBe(3)
    expect((await api.query.subtensorModule.keys(1, 1)).toString()).toBe(hot('M1').address)
    const names = ((await api.query.system.events()) as unknown as {event: {section: string; method: string}}[]).map(
      (e) => `${e.event.section}.${e.event.method}`,
    )
    expect(names).toContain('subtensorModule.NeuronRegistered')
  })

  it('a module error reaches the client with its real name', async () => {
    const r = await send(api, api.tx.subtensorModule.burnedRegister(1, hot('V1').address), alice)
    expect(r).toMatchObject({ok: false, error: 'subtensorModule.HotKeyAlreadyRegisteredInSubNet'})
    expect(r.events).toContain('system.ExtrinsicFailed')
  })

  it('rejects a bad signature and a stale nonce', async () => {
    const tx = api.tx.balances.transferKeepAlive(bob.address, 1_000_000n)
    await tx.signAsync(alice)
    const hex = tx.toHex()
    const pub = u8aToHex(decodeAddress(alice.address)).slice(2)
    const at = hex.indexOf(pub) + pub.length + 2 // skip the MultiSignature variant byte
    const flipped = hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1)
    await refused(api.rpc.author.submitExtrinsic(flipped), /bad signature/)
    const stale = api.tx.balances.transferKeepAlive(bob.address, 1_000_000n)
    await stale.signAsync(alice, {nonce: 0})
    await refused(api.rpc.author.submitExtrinsic(stale.toHex()), /outdated/)
  })

  it('refuses a call the devnet does not implement, naming it', async () => {
    const tx = api.tx.system.remark('0x00')
    await tx.signAsync(alice)
    await refused(api.rpc.author.submitExtrinsic(tx.toHex()), /system\.remark is not implemented/)
  })

  it('serve_axon stores the AxonInfo', async () => {
    const m1 = hot('M1')
    const ip = (127n << 24n) + 1n
    const r = await send(api, api.tx.subtensorModule.serveAxon(1, 1, ip, 8091, 4, 4, 0, 0), m1)
    expect(r).toMatchObject({ok: true})
    expect(r.events).toContain('subtensorModule.AxonServed')
    const axon = json(await api.query.subtensorModule.axons(1, m1.address)) as Record<string, unknown>
    expect(axon).toMatchObject({ip: Number(ip), port: 8091, ipType: 4, protocol: 4, version: 1})
  })

  it('set_weights then one tempo: the miner with more weight gets more incentive', async () => {
    const v = hot('V1')
    expect(await send(api, api.tx.subtensorModule.addStake(v.address, 1, 100_000_000_000n), alice)).toMatchObject({ok: true})
    // ValidatorPermit is what the last epoch wrote (the pallet's check_validator_permit): the new stake counts from the next
    const early = await send(api, api.tx.subtensorModule.setWeights(1, [1, 2], [1000, 3000], 0), v)
    expect(early.error).toBe('subtensorModule.NeuronNoValidatorPermit')
    await devnet.advance(11)
    const r = await send(api, api.tx.subtensorModule.setWeights(1, [1, 2], [1000, 3000], 0), v)
    expect(r).toMatchObject({ok: true})
    expect(r.events).toContain('subtensorModule.WeightsSet')
    expect(json(await api.query.subtensorModule.weights(1, 0))).toEqual([
      [1, 21845],
      [2, 65535],
    ])
    const tooFast = await send(api, api.tx.subtensorModule.setWeights(1, [1, 2], [1, 1], 0), v)
    expect(tooFast.error).toBe('subtensorModule.SettingWeightsTooFast')
    await devnet.advance(12)
    const incentive = json(await api.query.subtensorModule.incentive(1)) as number[]
    expect(incentive[2]).toBeGreaterThan(incentive[1]!)
    expect(incentive[1]).toBeGreaterThan(0)
    const lite = json(await api.call.neuronInfoRuntimeApi.getNeuronsLite(1)) as {uid: number; incentive: number; axonInfo: {port: number}}[]
    expect(lite.map((n) => n.uid)).toEqual([0, 1, 2])
    expect(lite[2]!.incentive).toBe(incentive[2])
    expect(lite[1]!.axonInfo.port).toBe(8091)
    const dividends = json(await api.query.subtensorModule.dividends(1)) as number[]
    expect(dividends[0]).toBe(65535)
    expect((json(await api.query.subtensorModule.validatorPermit(1)) as boolean[])[0]).toBe(true)
  })

  it('set_mechanism_weights writes under the netuid + mecid·4096 index and checks the mechanism exists', async () => {
    const v = hot('V1')
    const missing = await send(api, api.tx.subtensorModule.setMechanismWeights(1, 1, [1], [1], 0), v)
    expect(missing.error).toBe('subtensorModule.MechanismDoesNotExist')
    await devnet.advance(2) // past WeightsSetRateLimit
    const r = await send(api, api.tx.subtensorModule.setMechanismWeights(1, 0, [1, 2], [5, 5], 0), v)
    expect(r).toMatchObject({ok: true})
    expect(json(await api.query.subtensorModule.weights(1 + 0 * 4096, 0))).toEqual([
      [1, 65535],
      [2, 65535],
    ])
  })

  it('commit_weights / reveal_weights on a commit-reveal subnet', async () => {
    const v = hot('V2')
    expect(await send(api, api.tx.subtensorModule.burnedRegister(2, v.address), alice)).toMatchObject({ok: true})
    for (const m of ['M3', 'M4']) expect(await send(api, api.tx.subtensorModule.burnedRegister(2, hot(m).address), bob)).toMatchObject({ok: true})
    expect(await send(api, api.tx.subtensorModule.addStake(v.address, 2, 10_000_000_000n), alice)).toMatchObject({ok: true})
    const plain = await send(api, api.tx.subtensorModule.setWeights(2, [1, 2], [1, 2], 0), v)
    expect(plain.error).toBe('subtensorModule.CommitRevealEnabled')
    const uids = [1, 2]
    const values = [100, 200]
    const salt = [7, 8, 9]
    const enc = api.registry
      .createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [v.address, 2, uids, values, salt, 0])
      .toU8a()
    // commit in the first block of an epoch (epoch = ⌊(block + netuid + 1) / (tempo + 1)⌋) so the next blocks are early
    while ((devnet.chain.head.number + 1 + 3) % 7 !== 0) await devnet.produceBlock()
    const commit = await send(api, api.tx.subtensorModule.commitWeights(2, u8aToHex(blake2AsU8a(enc, 256))), v)
    expect(commit).toMatchObject({ok: true})
    expect(commit.events).toContain('subtensorModule.WeightsCommitted')
    const early = await send(api, api.tx.subtensorModule.revealWeights(2, uids, values, salt, 0), v)
    expect(early.error).toBe('subtensorModule.RevealTooEarly')
    const wrong = await send(api, api.tx.subtensorModule.revealWeights(2, uids, [1, 2], salt, 0), v)
    expect(wrong.error).toBe('subtensorModule.InvalidRevealCommitHashNotMatch')
    const commits = json(await api.query.subtensorModule.weightCommits(2, v.address)) as [string, number, number, number][]
    const firstReveal = commits[0]![2]
    await devnet.advance(Math.max(0, firstReveal - devnet.chain.head.number - 1))
    const reveal = await send(api, api.tx.subtensorModule.revealWeights(2, uids, values, salt, 0), v)
    expect(reveal).toMatchObject({ok: true})
    expect(reveal.events).toContain('subtensorModule.WeightsRevealed')
    expect(json(await api.query.subtensorModule.weights(2, 0))).toEqual([
      [1, 32768],
      [2, 65535],
    ])
  })

  it('register with a PoW seal (hotkey-signed) where the devnet enables PoW', async () => {
    const h = hot('P1') // no balance: PoW registration is fee-free
    const block = devnet.chain.head.number
    const blockHash = decodeAddress(devnet.chain.head.hash) // 32 bytes either way
    const difficulty = BigInt(num(await api.query.subtensorModule.difficulty(1)))
    let nonce = 0n
    let seal = sealHash(blockHash, decodeAddress(h.address), nonce)
    while (!sealMeetsDifficulty(seal, difficulty)) seal = sealHash(blockHash, decodeAddress(h.address), ++nonce)
    const bad = await send(api, api.tx.subtensorModule.register(1, block, nonce + 1n, u8aToHex(seal), h.address, alice.address), h)
    expect(bad.error).toBe('subtensorModule.InvalidSeal')
    const r = await send(api, api.tx.subtensorModule.register(1, block, nonce, u8aToHex(seal), h.address, alice.address), h)
    expect(r).toMatchObject({ok: true})
    expect(await uidOf(1, h.address)).toBe(3)
  })

  it('restarts from --state with the same registrations', async () => {
    const head = devnet.chain.head.number
    await api.disconnect()
    // rpc-core drops the subscriptions 1750 ms after disconnect (refCountDelay); stopping the devnet sooner makes
    // polkadot log each one as disconnected
    await new Promise((resolve) => setTimeout(resolve, 1800))
    await devnet.stop()
    devnet = await startDevnet({port: 0, blockTimeMs: 0, statePath})
    api = await connect(devnet.url)
    expect(devnet.chain.head.number).toBe(head)
    expect(await uidOf(1, hot('M2').address)).toBe(2)
    expect(await uidOf(2, hot('V2').address)).toBe(0)
    const r = await send(api, api.tx.subtensorModule.burnedRegister(1, hot('M9').address), bob)
    expect(r).toMatchObject({ok: true})
    expect(await uidOf(1, hot('M9').address)).toBe(4)
  })

  it('commit_weights sets LastUpdate to the commit block and rate-limits the next commit (CommittingWeightsTooFast)', async () => {
    // internal_commit_weights (opentensor/subtensor 14bc6f9, pallets/subtensor/src/subnets/weights.rs): step 4
    // check_rate_limit → CommittingWeightsTooFast, step 12 set_last_update_for_uid(netuid_index, uid, commit_block)
    const v = hot('V2') // uid 0 on netuid 2 (commit-reveal on, WeightsSetRateLimit 2)
    await devnet.advance(3) // past the rate limit of the earlier reveal
    const hash = (salt: number) => u8aToHex(blake2AsU8a(new Uint8Array([salt]), 256))
    const r = await send(api, api.tx.subtensorModule.commitWeights(2, hash(1)), v)
    expect(r).toMatchObject({ok: true})
    const commitBlock = (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber()
    expect((json(await api.query.subtensorModule.lastUpdate(2)) as number[])[0]).toBe(commitBlock)
    const tooFast = await send(api, api.tx.subtensorModule.commitWeights(2, hash(2)), v)
    expect(tooFast.error).toBe('subtensorModule.CommittingWeightsTooFast')
    await devnet.advance(2)
    expect(await send(api, api.tx.subtensorModule.commitWeights(2, hash(3)), v)).toMatchObject({ok: true})
    const missing = await send(api, api.tx.subtensorModule.commitWeights(9, hash(4)), v)
    expect(missing.error).toBe('subtensorModule.MechanismDoesNotExist')
  })
})
