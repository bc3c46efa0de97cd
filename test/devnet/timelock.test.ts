import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {ApiPromise} from '@polkadot/api'
import {Keyring} from '@polkadot/keyring'
import {u8aToHex} from '@polkadot/util'
import {cryptoWaitReady, decodeAddress} from '@polkadot/util-crypto'

import {chainInfoFromBeaconConfig, encryptForRound} from '../../src/chain/timelock.js'
import {decodeCiphertext} from '../../src/chain/tle/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {connect, json, send} from './helpers.js'

// commit_timelocked_weights(netuid, commit: Bytes, reveal_round: u64, commit_reveal_version: u16) and
// TimelockedWeightCommits / CommitRevealWeightsVersion (= 4) / Drand.BeaconConfig / Drand.Pulses as in finney's
// metadata (spec 343). The payload is the pallet's WeightsTlockPayload (hotkey bytes, uids, values, version_key);
// the commit is the chain's timelock ciphertext (src/chain/tle, what bittensor_drand makes). The commit's checks and
// their order, and LastUpdate[uid] = commit block, follow internal_commit_timelocked_weights (opentensor/subtensor
// 14bc6f9, pallets/subtensor/src/subnets/weights.rs); the error names are in spec 343's SubtensorModule error enum.

let devnet: Devnet
let api: ApiPromise

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    genesis: {
      subnets: [
        {netuid: 1, tempo: 4, commitRevealWeightsEnabled: true, revealPeriodEpochs: 1},
        {netuid: 2, tempo: 4},
      ],
      neurons: [{netuid: 2, hotkey: '//GV', coldkey: '//Alice', stake: 100, axon: {ip: '127.0.0.1', port: 8091, protocol: 4}}],
      drand: {period: 1},
      // the current runtime's rule: `register` runs the burn path, signed by the coldkey
      powRegistration: false,
    },
  })
  api = await connect(devnet.url)
}, 30_000)

afterAll(async () => {
  await api?.disconnect()
  await devnet?.stop()
})

describe('timelocked commit-reveal with a local drand beacon', () => {
  it('decrypts a timelocked commit with the pulse of its round when that arrives and sets the weights', async () => {
    const k = new Keyring({type: 'sr25519', ss58Format: 42})
    const alice = k.addFromUri('//Alice')
    const v = k.addFromUri('//TV')
    for (const h of ['//TV', '//TM1', '//TM2']) {
      expect(await send(api, api.tx.subtensorModule.burnedRegister(1, k.addFromUri(h).address), alice)).toMatchObject({ok: true})
    }
    expect(await send(api, api.tx.subtensorModule.addStake(v.address, 1, 10_000_000_000n), alice)).toMatchObject({ok: true})
    // the stake's validator permit comes with the next epoch (tempo 4); the reveal checks it as set_weights does
    await devnet.advance(5)

    const cfg = json(await api.query.drand.beaconConfig()) as {publicKey: string; period: number; genesisTime: number}
    expect(cfg.publicKey).toBe('0x' + devnet.drand.info.public_key)
    expect(cfg.period).toBe(1)
    const version = Number(json(await api.query.subtensorModule.commitRevealWeightsVersion()))
    expect(version).toBe(4)

    const payload = api.registry
      .createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', [u8aToHex(decodeAddress(v.address)), [1, 2], [30000, 65535], 0])
      .toU8a()
    // encrypt as a client would: chain info from Drand.BeaconConfig only (no devnet internals)
    const full = json(await api.query.drand.beaconConfig()) as {
      publicKey: string
      period: number
      genesisTime: number
      hash: string
      groupHash: string
      schemeId: string
      metadata: {beaconId: string}
    }
    const info = chainInfoFromBeaconConfig(full)
    expect(info.schemeID).toBe('bls-unchained-g1-rfc9380')
    const round = Math.floor((Date.now() / 1000 - info.genesis_time) / info.period) + 1 + 2
    const ct = await encryptForRound(round, payload, info)
    expect(decodeCiphertext(ct).cipherSuite).toEqual(new TextEncoder().encode('AES_GCM_'))
    const commit = u8aToHex(ct)

    const wrongVersion = await send(api, api.tx.subtensorModule.commitTimelockedWeights(1, commit, round, 3), v)
    expect(wrongVersion.error).toBe('subtensorModule.IncorrectCommitRevealVersion')
    const r = await send(api, api.tx.subtensorModule.commitTimelockedWeights(1, commit, round, version), v)
    expect(r).toMatchObject({ok: true})
    expect(r.events).toContain('subtensorModule.TimelockedWeightsCommitted')
    expect(json(await api.query.subtensorModule.weights(1, 0))).toEqual([])
    // the pallet sets LastUpdate[uid] to the commit block (internal_commit_timelocked_weights step 10), and the
    // weights rate limit (WeightsSetRateLimit 2) then holds the next commit back: CommittingWeightsTooFast
    const commitBlock = (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber()
    expect((json(await api.query.subtensorModule.lastUpdate(1)) as number[])[0]).toBe(commitBlock)
    const again = await send(api, api.tx.subtensorModule.commitTimelockedWeights(1, commit, round, version), v)
    expect(again.error).toBe('subtensorModule.CommittingWeightsTooFast')
    expect((json(await api.query.subtensorModule.lastUpdate(1)) as number[])[0]).toBe(commitBlock)

    const wait = devnet.drand.roundTime(round) - Date.now() + 50
    if (wait > 0) await new Promise((res) => setTimeout(res, wait))
    await devnet.advance(11) // at least one full epoch after the reveal epoch starts
    const pulse = json(await api.query.drand.pulses(round)) as {round: number} | null
    expect(pulse?.round).toBe(round)
    expect(json(await api.query.subtensorModule.weights(1, 0))).toEqual([
      [1, 30000],
      [2, 65535],
    ])
    expect(await api.query.subtensorModule.timelockedWeightCommits.entries()).toHaveLength(0)
  })

  it('refuses a timelocked commit where commit-reveal is off', async () => {
    const k = new Keyring({type: 'sr25519', ss58Format: 42})
    const alice = k.addFromUri('//Alice')
    const v = k.addFromUri('//TV2')
    expect(await send(api, api.tx.subtensorModule.burnedRegister(2, v.address), alice)).toMatchObject({ok: true})
    const r = await send(api, api.tx.subtensorModule.commitTimelockedWeights(2, '0x00', 1, 4), v)
    expect(r.error).toBe('subtensorModule.CommitRevealDisabled')
  })

  it('checks a timelocked commit in the pallet order: mechanism, commit-reveal on, version, registration', async () => {
    const k = new Keyring({type: 'sr25519', ss58Format: 42})
    const alice = k.addFromUri('//Alice')
    const stranger = k.addFromUri('//TNobody') // funded for fees, registered nowhere
    expect(await send(api, api.tx.balances.transferKeepAlive(stranger.address, 1_000_000_000n), alice)).toMatchObject({ok: true})
    const commit = (netuid: number, version: number) => api.tx.subtensorModule.commitTimelockedWeights(netuid, '0x00', 1, version)
    // ensure_mechanism_exists: a missing subnet is MechanismDoesNotExist too
    expect((await send(api, commit(9, 3), stranger)).error).toBe('subtensorModule.MechanismDoesNotExist')
    // CommitRevealDisabled comes before the version check
    expect((await send(api, commit(2, 3), stranger)).error).toBe('subtensorModule.CommitRevealDisabled')
    // the version (CommitRevealWeightsVersion = 4) is checked before the registration
    expect((await send(api, commit(1, 3), stranger)).error).toBe('subtensorModule.IncorrectCommitRevealVersion')
    expect((await send(api, commit(1, 5), stranger)).error).toBe('subtensorModule.IncorrectCommitRevealVersion')
    expect((await send(api, commit(1, 4), stranger)).error).toBe('subtensorModule.HotKeyNotRegisteredInSubNet')
  })

  it('register runs the burn path signed by the coldkey on a runtime without PoW', async () => {
    const k = new Keyring({type: 'sr25519', ss58Format: 42})
    const alice = k.addFromUri('//Alice')
    const h = k.addFromUri('//R1')
    expect(json(await api.query.subtensorModule.networkPowRegistrationAllowed(2))).toBe(false)
    const r = await send(api, api.tx.subtensorModule.register(2, 0, 0, '0x', h.address, alice.address), alice)
    expect(r).toMatchObject({ok: true})
    expect(json(await api.query.subtensorModule.uids(2, h.address))).not.toBeNull()
  })

  it('genesis pre-registers neurons with stake and axon', async () => {
    const gv = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//GV')
    expect(json(await api.query.subtensorModule.uids(2, gv.address))).toBe(0)
    expect(json(await api.query.subtensorModule.totalHotkeyAlpha(gv.address, 2))).toBe(100e9)
    expect(json(await api.query.subtensorModule.axons(2, gv.address))).toMatchObject({ip: 0x7f000001, port: 8091, ipType: 4})
  })
})
