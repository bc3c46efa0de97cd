import {describe, expect, it} from '@jest/globals'

import {chainInfoFromBeaconConfig, encryptForRound, MAX_COMMIT_BYTES, revealRound, SECURITY_BLOCK_OFFSET} from '../../src/chain/timelock.js'
import {QUICKNET, tld} from '../../src/chain/tle/index.js'

// revealRound follows bittensor_drand's generate_commit (opentensor/bittensor-drand 3ff0eac, src/drand.rs); the
// commit bytes are the chain's TLECiphertext (test/chain/tle.test.ts checks them against the crate's wasm build).

const SIG_1000 = 'b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39'
const quicknetCfg = {
  publicKey: '0x' + QUICKNET.publicKey,
  period: 3,
  genesisTime: QUICKNET.genesisTime,
  hash: '0x' + QUICKNET.chainHash,
  groupHash: '0x00',
  schemeId: '0x' + Buffer.from(QUICKNET.scheme).toString('hex'),
  metadata: {beaconId: '0x' + Buffer.from('quicknet').toString('hex')},
}

describe('revealRound (bittensor_drand generate_commit)', () => {
  const base = {netuid: 1, tempo: 360, revealPeriodEpochs: 1, blockTimeS: 12, genesisTime: QUICKNET.genesisTime, period: 3}

  it('aims at the first block of the reveal epoch plus SECURITY_BLOCK_OFFSET, rounding the drand round down', () => {
    // block 5_000_000: epoch floor(5_000_002 / 361) = 13850; reveal epoch 13851 → block 13851·361 − 2 = 5_000_209
    const nowS = 1_750_000_000.5
    const r = revealRound({...base, currentBlock: 5_000_000, nowS})
    expect(r.revealBlock).toBe(5_000_209)
    const target = nowS + (209 + SECURITY_BLOCK_OFFSET) * 12
    expect(r.revealRound).toBe(Math.floor((target - QUICKNET.genesisTime) / 3))
  })

  it('never goes below round 1 or a negative block distance (saturating like the Rust)', () => {
    expect(revealRound({...base, currentBlock: 0, nowS: 0}).revealRound).toBe(1)
    expect(revealRound({...base, tempo: 0, netuid: 5, revealPeriodEpochs: 0, currentBlock: 0, nowS: 0}).revealBlock).toBe(0)
  })
})

describe('encryptForRound', () => {
  it('makes the chain ciphertext for the beacon in Drand.BeaconConfig', async () => {
    const info = chainInfoFromBeaconConfig(quicknetCfg)
    expect(info.schemeID).toBe('bls-unchained-g1-rfc9380')
    const payload = new Uint8Array([1, 2, 3, 4])
    const ct = await encryptForRound(1000, payload, info)
    expect(tld(ct, SIG_1000)).toEqual(payload)
  })

  it('refuses a beacon whose signatures the chain cannot use, and commits over the pallet bound', async () => {
    const info = chainInfoFromBeaconConfig({...quicknetCfg, schemeId: '0x' + Buffer.from('pedersen-bls-chained').toString('hex')})
    await expect(encryptForRound(1000, new Uint8Array(4), info)).rejects.toThrow(/not bls-unchained-g1-rfc9380/)
    const big = new Uint8Array(MAX_COMMIT_BYTES)
    await expect(encryptForRound(1000, big, chainInfoFromBeaconConfig(quicknetCfg))).rejects.toThrow(/exceeds the pallet's 5000-byte limit/)
  })
})
