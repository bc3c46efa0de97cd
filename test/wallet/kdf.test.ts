import {describe, expect, it} from '@jest/globals'

import {argon2Backend, argon2iKey} from '../../src/wallet/kdf.js'
import {NACL_SALT} from '../../src/wallet/keyfile.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('argon2i key for $NACL keyfiles', () => {
  it('uses the native binding on this platform', async () => {
    expect(await argon2Backend()).toBe('native')
  })

  it('matches the Argon2 reference test vector (argon2i v1.3, t=2, m=64 MiB, p=1) on both backends', async () => {
    // phc-winner-argon2 test.c: hashtest(0x13, 2, 16, 1, "password", "somesalt", "c1628832…")
    const p = {password: 'password', salt: new TextEncoder().encode('somesalt'), iterations: 2, memoryKiB: 1 << 16}
    const want = 'c1628832147d9720c5bd1cfd61367078729f6dfb6f8fea9ff98158e0d7816ed0'
    expect(hex(await argon2iKey(p, 'native'))).toBe(want)
    expect(hex(await argon2iKey(p, 'wasm'))).toBe(want)
  })

  it('native and wasm agree under btwallet’s salt for several costs and passwords', async () => {
    for (const [password, iterations, memoryKiB] of [
      ['x', 1, 8],
      ['bitmind-fixture-password', 3, 1024],
      ['pässwörd ✓', 8, 4096],
    ] as const) {
      const p = {password, salt: NACL_SALT, iterations, memoryKiB}
      const a = await argon2iKey(p, 'native')
      expect(a).toHaveLength(32)
      expect(hex(a)).toBe(hex(await argon2iKey(p, 'wasm')))
    }
  })
})
