import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {ApiPromise} from '@polkadot/api'
import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {connect, json, num, send} from './helpers.js'

// add_stake(hotkey, netuid, amount_staked) / remove_stake(hotkey, netuid, amount_unstaked) with the checks of the
// pallet's validate_add_stake / validate_remove_stake (opentensor/subtensor pallets/subtensor/src/staking/
// stake_utils.rs; DefaultMinStake = 2_000_000 rao in lib.rs) and its share pool: Alpha(hotkey, coldkey, netuid) shares
// of TotalHotkeyShares, valued at TotalHotkeyAlpha.
const TAO = 1_000_000_000n
let devnet: Devnet
let api: ApiPromise
let alice: KeyringPair
let bob: KeyringPair
let v: KeyringPair
let charlie: KeyringPair

beforeAll(async () => {
  await cryptoWaitReady()
  const k = new Keyring({type: 'sr25519', ss58Format: 42})
  alice = k.addFromUri('//Alice')
  bob = k.addFromUri('//Bob')
  v = k.addFromUri('//StakeV')
  charlie = k.addFromUri('//Charlie')
  devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: {subnets: [{netuid: 1, tempo: 5}]}})
  api = await connect(devnet.url)
}, 30_000)

afterAll(async () => {
  await api?.disconnect()
  await devnet?.stop()
})

const free = async (who: string) => BigInt((json(await api.query.system.account(who)) as {data: {free: number | string}}).data.free)
/** the coldkey's stake as the pallet values it */
async function stakeOf(hotkey: string, coldkey: string): Promise<bigint> {
  const bits = (c: unknown) => BigInt((c as {bits: {toString(): string}}).bits.toString())
  const share = bits(await api.query.subtensorModule.alpha(hotkey, coldkey, 1))
  const denom = bits(await api.query.subtensorModule.totalHotkeyShares(hotkey, 1))
  const value = BigInt(num(await api.query.subtensorModule.totalHotkeyAlpha(hotkey, 1)))
  return denom === 0n ? 0n : (share * value) / denom
}

describe('devnet staking as the pallet does it', () => {
  it('add_stake: refuses dust, unknown hotkeys and missing funds with the pallet errors', async () => {
    const tx = api.tx.subtensorModule
    expect((await send(api, tx.addStake(v.address, 1, 10n * TAO), alice)).error).toBe('subtensorModule.HotKeyAccountNotExists')
    expect(await send(api, tx.burnedRegister(1, v.address), alice)).toMatchObject({ok: true})
    expect((await send(api, tx.addStake(v.address, 9, 10n * TAO), alice)).error).toBe('subtensorModule.SubnetNotExists')
    expect((await send(api, tx.addStake(v.address, 1, 1_999_999n), alice)).error).toBe('subtensorModule.AmountTooLow')
    expect((await send(api, tx.addStake(v.address, 1, 10_000_000n * TAO), alice)).error).toBe('subtensorModule.NotEnoughBalanceToStake')
    const before = await free(alice.address)
    const ok = await send(api, tx.addStake(v.address, 1, 300n * TAO), alice)
    expect(ok).toMatchObject({ok: true})
    expect(ok.events).toContain('subtensorModule.StakeAdded')
    expect(before - (await free(alice.address))).toBeGreaterThanOrEqual(300n * TAO)
    expect(await stakeOf(v.address, alice.address)).toBe(300n * TAO)
  })

  it('shares: a second staker buys in at the pool price and emission grows both stakes in proportion', async () => {
    expect(await send(api, api.tx.subtensorModule.addStake(v.address, 1, 100n * TAO), bob)).toMatchObject({ok: true})
    expect(await stakeOf(v.address, bob.address)).toBe(100n * TAO)
    // weights on itself (allowed without a permit), then one epoch: the hotkey's emission goes into its pool
    expect(await send(api, api.tx.subtensorModule.setWeights(1, [0], [65535], 0), v)).toMatchObject({ok: true})
    await devnet.advance(6)
    const a = await stakeOf(v.address, alice.address)
    const b = await stakeOf(v.address, bob.address)
    const total = BigInt(num(await api.query.subtensorModule.totalHotkeyAlpha(v.address, 1)))
    expect(total).toBeGreaterThan(400n * TAO)
    expect(a).toBeGreaterThan(300n * TAO)
    // 3 : 1 within rounding
    expect(Number(a) / Number(b)).toBeCloseTo(3, 6)
    expect(total - a - b).toBeLessThanOrEqual(2n)
  })

  it('remove_stake: zero, more than held and dust are refused; an unstake credits the coldkey', async () => {
    const tx = api.tx.subtensorModule
    const held = await stakeOf(v.address, bob.address)
    expect((await send(api, tx.removeStake(v.address, 1, 0), bob)).error).toBe('subtensorModule.AmountTooLow')
    expect((await send(api, tx.removeStake(v.address, 1, held + 1n), bob)).error).toBe('subtensorModule.NotEnoughStakeToWithdraw')
    expect((await send(api, tx.removeStake(v.address, 1, 1000n), bob)).error).toBe('subtensorModule.AmountTooLow')
    expect((await send(api, tx.removeStake(v.address, 1, TAO), charlie)).error).toBe('subtensorModule.NotEnoughStakeToWithdraw')
    const before = await free(bob.address)
    const part = await send(api, tx.removeStake(v.address, 1, 40n * TAO), bob)
    expect(part).toMatchObject({ok: true})
    expect(part.events).toContain('subtensorModule.StakeRemoved')
    const gained = (await free(bob.address)) - before
    expect(gained).toBeLessThanOrEqual(40n * TAO)
    expect(gained).toBeGreaterThan(40n * TAO - TAO / 100n) // less the transaction fee
    expect(await stakeOf(v.address, bob.address)).toBeGreaterThanOrEqual(held - 40n * TAO - 1n)
    const rest = await stakeOf(v.address, bob.address)
    expect(await send(api, tx.removeStake(v.address, 1, rest), bob)).toMatchObject({ok: true})
    expect(await stakeOf(v.address, bob.address)).toBe(0n)
    expect(json(await api.query.subtensorModule.alpha(v.address, bob.address, 1))).toEqual({bits: 0})
  })
})
