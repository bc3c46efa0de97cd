import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {connectSubtensor, type SubtensorClient} from '../../src/chain/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {createWallet, openWallet, writeHotkey, type Wallet} from '../../src/wallet/index.js'

// The chain client against the devnet (finney spec-343 metadata): burn and PoW registration, serve_axon,
// set_weights read back through the metagraph, readable dispatch errors, timelocked commit-reveal.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-chain-'))
let devnet: Devnet
let client: SubtensorClient
let val: Wallet
let miner: Wallet

beforeAll(async () => {
  const v = await createWallet({name: 'val', hotkey: 'default', path: tmp, password: ''})
  const m = await createWallet({name: 'miner', hotkey: 'default', path: tmp, password: ''})
  await writeHotkey({name: 'miner', hotkey: 'pow', path: tmp})
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    genesis: {
      accounts: [
        {account: '//Alice', balance: 1_000_000},
        {account: v.coldkey.address, balance: 10_000},
        {account: m.coldkey.address, balance: 10_000},
      ],
      subnets: [
        {netuid: 1, tempo: 10, difficulty: 300, weightsSetRateLimit: 2},
        {netuid: 2, tempo: 4, commitRevealWeightsEnabled: true, revealPeriodEpochs: 1},
      ],
      drand: {period: 1},
    },
  })
  client = await connectSubtensor(devnet.url, {blockTimeS: 0.2, commitDir: path.join(tmp, 'commits')})
  val = await openWallet({name: 'val', hotkey: 'default', path: tmp})
  miner = await openWallet({name: 'miner', hotkey: 'default', path: tmp})
}, 60_000)

afterAll(async () => {
  await client?.close()
  await devnet?.stop()
  fs.rmSync(tmp, {recursive: true, force: true})
})

async function stake(w: Wallet, netuid: number, tao: number): Promise<void> {
  const tx = client.api.tx.subtensorModule!.addStake!(w.hotkeyAddress, netuid, BigInt(tao * 1e9))
  await client.submit(tx, await w.coldkeyPair())
}

describe('chain client on the devnet', () => {
  it('reads the runtime features from metadata', () => {
    expect(client.features.timelockedWeights).toBe(true)
    expect(client.features.stakeSource).toBe('alpha')
  })

  it('burn-registers two hotkeys, rejects a second registration readably, serves an axon, sets weights, reads them back', async () => {
    const hp = await client.hyperparameters(1)
    expect(hp.tempo).toBe(10)
    expect(hp.commitRevealWeightsEnabled).toBe(false)
    expect(hp.difficulty).toBe(300n)
    const vUid = await client.burnedRegister(await val.coldkeyPair(), val.hotkeyAddress, 1)
    const mUid = await client.burnedRegister(await miner.coldkeyPair(), miner.hotkeyAddress, 1)
    expect([vUid, mUid]).toEqual([0, 1])
    await expect(client.burnedRegister(await val.coldkeyPair(), val.hotkeyAddress, 1)).rejects.toThrow(
      'hotkey already registered on netuid 1',
    )
    await client.serveAxon(miner.hotkeyPair(), 1, {ip: '10.1.2.3', port: 8091})
    await stake(val, 1, 100)
    // the stake gives a validator permit at the subnet's next epoch (tempo 10), not at once
    await expect(client.setWeights(val.hotkeyPair(), 1, [0, 1], [0.3, 0.7])).rejects.toThrow('no validator permit')
    await devnet.advance(11)
    const r = await client.setWeights(val.hotkeyPair(), 1, [0, 1], [0.3, 0.7])
    expect(r.path).toBe('set_weights')
    const mg = await client.metagraph(1)
    expect(mg.hotkeys).toEqual([val.hotkeyAddress, miner.hotkeyAddress])
    expect(mg.coldkeys).toEqual([val.coldkeyAddress, miner.coldkeyAddress])
    expect(mg.axons[1]).toMatchObject({ip: '10.1.2.3', port: 8091, ipType: 4, protocol: 4})
    expect(mg.stake[0]).toBeCloseTo(100, 3)
    expect(mg.weights[0]).toEqual([
      [0, Math.round((0.3 / 0.7) * 65535)],
      [1, 65535],
    ])
    expect(mg.lastUpdate[0]).toBeGreaterThan(0)
    // rate limit (2 blocks) respected before submitting
    await expect(client.setWeights(val.hotkeyPair(), 1, [1], [1])).rejects.toThrow(/rate limit/)
  }, 60_000)

  it('registers by PoW at a low difficulty', async () => {
    const pow = await openWallet({name: 'miner', hotkey: 'pow', path: tmp})
    const seen: number[] = []
    const uid = await client.powRegister(pow.hotkeyPair(), miner.coldkeyAddress, 1, {workers: 2, onProgress: (p) => seen.push(p.hashes)})
    expect(uid).toBe(2)
    expect(await client.uidOf(1, pow.hotkeyAddress)).toBe(2)
  }, 60_000)

  it('sets weights through commit_timelocked_weights on a commit-reveal subnet', async () => {
    expect((await client.hyperparameters(2)).commitRevealWeightsEnabled).toBe(true)
    await client.burnedRegister(await val.coldkeyPair(), val.hotkeyAddress, 2)
    await client.burnedRegister(await miner.coldkeyPair(), miner.hotkeyAddress, 2)
    await stake(val, 2, 100)
    const r = await client.setWeights(val.hotkeyPair(), 2, [0, 1], [1, 3])
    expect(r.path).toBe('commit_timelocked_weights')
    expect(r.revealRound).toBeGreaterThan(0)
    // the round is ~(blocks to reveal + 3) × 0.2 s ahead: produce blocks while real time reaches it
    for (let i = 0; i < 40; i++) {
      await devnet.advance(1)
      await new Promise((r) => setTimeout(r, 250))
      const w = (await client.metagraph(2)).weights[0]!
      if (w.length > 0) {
        expect(w).toEqual([
          [0, Math.round(65535 / 3)],
          [1, 65535],
        ])
        return
      }
    }
    throw new Error('the timelocked weights were not revealed within 40 blocks')
  }, 60_000)

  it('commit_weights keeps the salt on disk until reveal_weights succeeds', async () => {
    const hk = val.hotkeyPair()
    // the reveal above set LastUpdate; a commit within WeightsSetRateLimit is CommittingWeightsTooFast, as in the pallet
    const uid = (await client.uidOf(2, hk.address))!
    await devnet.advance(await client.blocksUntilWeightsAllowed(2, uid))
    const pending = await client.commitWeights(hk, 2, [0, 1], [65535, 13107], 0)
    expect(client.pendingCommit(2, hk.address)).toEqual(pending)
    expect(pending.hash).toBe(client.commitHash(hk.address, 2, [0, 1], [65535, 13107], pending.salt, 0))
    let lastError = ''
    for (let i = 0; i < 20; i++) {
      await devnet.advance(1)
      try {
        expect(await client.revealWeights(hk, 2)).toBe(true)
        expect(client.pendingCommit(2, hk.address)).toBeUndefined()
        expect((await client.metagraph(2)).weights[0]).toEqual([
          [0, 65535],
          [1, 13107],
        ])
        return
      } catch (e) {
        lastError = (e as Error).message
        expect(client.pendingCommit(2, hk.address)).toBeDefined()
      }
    }
    throw new Error(`never revealed: ${lastError}`)
  }, 60_000)
})
