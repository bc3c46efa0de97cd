import {describe, expect, it} from '@jest/globals'
import {keccakAsU8a, sha256AsU8a} from '@polkadot/util-crypto'

import {describeDispatchError} from '../../src/chain/errors.js'
import {intToIp, ipToInt} from '../../src/chain/rules.js'
import {blockHotkeyHash, sealFor, sealMeetsDifficulty} from '../../src/chain/pow.js'
import {solvePow} from '../../src/chain/pow-solver.js'
import {revealRound, SECURITY_BLOCK_OFFSET} from '../../src/chain/timelock.js'
import {weightsForEmit} from '../../src/chain/weights.js'

// the seal of docs/ARCHITECTURE.md § Chain written out again with @polkadot/util-crypto (not hash-wasm, which src/chain/pow.ts uses)
function referenceSeal(blockHash: Uint8Array, hotkey: Uint8Array, nonce: bigint): Uint8Array {
  const bh = keccakAsU8a(new Uint8Array([...blockHash, ...hotkey]), 256)
  const le = new Uint8Array(8)
  let x = nonce
  for (let i = 0; i < 8; i++) {
    le[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return keccakAsU8a(sha256AsU8a(new Uint8Array([...le, ...bh])), 256)
}

const BLOCK = Uint8Array.from({length: 32}, (_, i) => i * 7 + 1)
const HOTKEY = Uint8Array.from({length: 32}, (_, i) => 255 - i)

describe('PoW', () => {
  it('seal of a fixed (block hash, hotkey, nonce) equals the formula', async () => {
    const bh = await blockHotkeyHash(BLOCK, HOTKEY)
    for (const nonce of [0n, 1n, 123456789n, 0xfedcba9876543210n]) {
      expect(Buffer.from(await sealFor(bh, nonce)).toString('hex')).toBe(Buffer.from(referenceSeal(BLOCK, HOTKEY, nonce)).toString('hex'))
    }
  })

  it('difficulty check: seal × difficulty < 2^256 − 1 (big-endian)', () => {
    const seal = new Uint8Array(32)
    seal[0] = 0x01 // 2^248
    expect(sealMeetsDifficulty(seal, 255n)).toBe(true)
    expect(sealMeetsDifficulty(seal, 256n)).toBe(false)
  })

  it('the worker solver finds a seal that meets a low difficulty, on 2 threads', async () => {
    const sol = await solvePow({blockHash: BLOCK, hotkey: HOTKEY, difficulty: 2000n, workers: 2, startNonce: 5n})
    expect(sol).toBeDefined()
    const ref = referenceSeal(BLOCK, HOTKEY, sol!.nonce)
    expect(Buffer.from(sol!.seal).equals(Buffer.from(ref))).toBe(true)
    expect(sealMeetsDifficulty(ref, 2000n)).toBe(true)
  }, 30_000)
})

describe('weights for emit (SDK convert_weights_and_uids_for_emit)', () => {
  it('drops non-positive, scales the max to 65535, rounds half to even', () => {
    expect(weightsForEmit([0, 1, 2, 3], [0.5, 0, 1, -1])).toEqual({uids: [0, 2], weights: [32768, 65535]})
    // 65535 · 0.5 = 32767.5 → 32768 (even); 65535 · 1/6 = 10922.5 → 10922 (even)
    expect(weightsForEmit([4, 5, 6], [1, 3, 6]).weights).toEqual([10922, 32768, 65535])
    expect(weightsForEmit([1], [0])).toEqual({uids: [], weights: []})
    expect(() => weightsForEmit([1, 2], [1])).toThrow(/differ in length/)
  })
})

describe('ip, errors, reveal round', () => {
  it('ip ↔ u128', () => {
    expect(ipToInt('1.2.3.4')).toEqual({value: 0x01020304n, ipType: 4})
    expect(intToIp(0x01020304n, 4)).toBe('1.2.3.4')
    const v6 = ipToInt('2001:db8::1')
    expect(v6.ipType).toBe(6)
    expect(intToIp(v6.value, 6)).toBe('2001:db8:0:0:0:0:0:1')
    expect(() => ipToInt('300.1.1.1')).toThrow(/not an IPv4/)
  })

  it('readable dispatch errors', () => {
    expect(describeDispatchError({section: 'subtensorModule', name: 'HotKeyAlreadyRegisteredInSubNet'}, {netuid: 3})).toBe(
      'hotkey already registered on netuid 3',
    )
    expect(describeDispatchError({section: 'balances', name: 'Odd', docs: ['Some doc']}, {call: 'x.y'})).toBe('x.y failed: balances.Odd (Some doc)')
  })

  it('reveal round as bittensor_drand computes it', () => {
    // tempo 100, netuid 1, block 1000: epoch = floor(1002/101) = 9; reveal epoch 11 → block 11·101 − 2 = 1109
    const r = revealRound({currentBlock: 1000, netuid: 1, tempo: 100, revealPeriodEpochs: 2, blockTimeS: 12, nowS: 1_000_000, genesisTime: 1_000, period: 3})
    expect(r.revealBlock).toBe(1109)
    expect(r.revealRound).toBe(Math.floor((1_000_000 + (109 + SECURITY_BLOCK_OFFSET) * 12 - 1_000) / 3))
  })
})
