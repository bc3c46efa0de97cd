import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

import {beforeAll, describe, expect, it} from '@jest/globals'
import {bls12_381} from '@noble/curves/bls12-381'
import {TypeRegistry} from '@polkadot/types'
import {initSync, tld as wasmTld, tle as wasmTle} from '@ideallabs/timelock_wasm_wrapper'

import {
  AesGcmError,
  decodeCiphertext,
  encodeCiphertext,
  encryptToRound,
  IbeDecryptionError,
  QUICKNET,
  roundIdentity,
  tld,
  tle,
  TleFormatError,
  verifyRoundSignature,
} from '../../src/chain/tle/index.js'

// Oracle: @ideallabs/timelock_wasm_wrapper 1.0.0 (what @ideallabs/timelock.js 1.0.1 wraps; its own dist has
// extensionless ESM imports node cannot load, so the wasm is called directly, as timelock.js does:
// tle(id, message, sk, pk, 'bls12_381') / tld(ct, sig, 'bls12_381')). Its crate source (ideal-lab5/timelock
// 5cc8773, `timelock/src`) has the same TLECiphertext layout, hashes and AES-GCM body as 5416406c, the revision
// bittensor-drand and subtensor pin (v, w: Vec<u8>; cipher_suite present).
//
// Real drand quicknet data (offline): the public key and round-1000 signature from subtensor's
// pallets/subtensor/src/tests/weights.rs `tlock_encrypt_decrypt_drand_quicknet_works` (also ideal-lab5/timelock
// 5416406c tle/src/tlock.rs), and DRAND_QUICKNET_SIG_2000_HEX from subtensor pallets/commitments/src/mock.rs
// (its comment says "round 20000"; it verifies for round 2000).

const SIG_1000 = 'b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39'
const SIG_2000 = 'b6cb8f482a0b15d45936a4c4ea08e98a087e71787caee3f4d07a8a9843b1bc5423c6b3c22f446488b3137eaca799c77e'

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const registry = new TypeRegistry()
/** WeightsTlockPayload {hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64} (SCALE) */
const payload = (hotkey: Uint8Array, uids: number[], values: number[], versionKey: number | bigint) =>
  registry.createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', [Array.from(hotkey), uids, values, versionKey]).toU8a()

const oracleEncrypt = (msg: Uint8Array, round: number, pkHex: string): Uint8Array =>
  new Uint8Array(
    wasmTle(Array.from(roundIdentity(round)), Array.from(msg), Array.from(bls12_381.utils.randomSecretKey()), Array.from(hex(pkHex)), 'bls12_381'),
  )
const oracleDecrypt = (ct: Uint8Array, sigHex: string): Uint8Array =>
  new Uint8Array(wasmTld(Array.from(ct), Array.from(hex(sigHex)), 'bls12_381'))

beforeAll(() => {
  const require = createRequire(import.meta.url)
  const dir = path.dirname(require.resolve('@ideallabs/timelock_wasm_wrapper'))
  initSync({module: readFileSync(path.join(dir, 'timelock_wasm_wrapper_bg.wasm'))})
})

describe('drand quicknet data (BLS on G1, RFC 9380 hash-to-curve)', () => {
  it('verifies real quicknet round signatures against the quicknet public key', () => {
    expect(verifyRoundSignature(1000, SIG_1000, QUICKNET.publicKey)).toBe(true)
    expect(verifyRoundSignature(2000, SIG_2000, QUICKNET.publicKey)).toBe(true)
    expect(verifyRoundSignature(1001, SIG_1000, QUICKNET.publicKey)).toBe(false)
  })

  it('round identity is sha256 of the round as u64 big-endian', () => {
    expect(Buffer.from(roundIdentity(1000)).toString('hex')).toBe(
      // sha256(00 00 00 00 00 00 03 e8)
      createHash('sha256').update(hex('00000000000003e8')).digest('hex'),
    )
  })
})

describe('tle / tld, byte-compatible with the crate the chain runs', () => {
  const hotkey = hex('d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d')
  const msg = payload(hotkey, [0, 1, 7], [65535, 21845, 3], 1_000_000)

  it('our ciphertext has the TLECiphertext layout (u 96, v/w Vec 32, body, "AES_GCM_")', () => {
    const ct = encryptToRound(msg, 1000)
    const le64 = (o: number) => Number(Buffer.from(ct.subarray(o, o + 8)).readBigUInt64LE())
    expect(le64(96)).toBe(32)
    expect(le64(96 + 40)).toBe(32)
    const bodyLen = le64(96 + 80)
    expect(bodyLen).toBe(8 + msg.length + 16 + 8 + 12)
    expect(le64(96 + 88 + bodyLen)).toBe(8)
    expect(Buffer.from(ct.subarray(96 + 96 + bodyLen)).toString()).toBe('AES_GCM_')
    expect(ct.length).toBe(96 + 96 + bodyLen + 8)
    expect(encodeCiphertext(decodeCiphertext(ct))).toEqual(ct)
  })

  it('our encrypt → the crate (wasm) decrypts with the real quicknet round-1000 signature', () => {
    const ct = encryptToRound(msg, 1000)
    expect(oracleDecrypt(ct, SIG_1000)).toEqual(msg)
    expect(tld(ct, SIG_1000)).toEqual(msg)
  })

  it('the crate (wasm) encrypts → we decrypt with the real signature', () => {
    for (const m of [msg, new Uint8Array(0), payload(hotkey, [...Array(256).keys()], Array(256).fill(65535), 0)]) {
      const ct = oracleEncrypt(m, 1000, QUICKNET.publicKey)
      expect(tld(ct, SIG_1000)).toEqual(m)
      expect(tld(ct, '0x' + SIG_1000)).toEqual(m)
    }
  })

  it('round-trips with a local beacon key both ways (the devnet case)', () => {
    const sk = 0x1234567890abcdefn
    const pk = bls12_381.G2.Point.BASE.multiply(sk)
    const sig = bls12_381.G1.hashToCurve(roundIdentity(42), {DST: 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'})
      .toAffine()
    const sigHex = Buffer.from(bls12_381.G1.Point.fromAffine(sig).multiply(sk).toBytes(true)).toString('hex')
    const pkHex = Buffer.from(pk.toBytes(true)).toString('hex')
    expect(verifyRoundSignature(42, sigHex, pkHex)).toBe(true)
    expect(oracleDecrypt(tle(msg, {publicKey: pk, identity: roundIdentity(42)}), sigHex)).toEqual(msg)
    expect(tld(oracleEncrypt(msg, 42, pkHex), sigHex)).toEqual(msg)
  })

  it('refuses a signature of another round, altered bytes and malformed input with clear errors', () => {
    const ct = encryptToRound(msg, 1000)
    expect(() => tld(ct, SIG_2000)).toThrow(IbeDecryptionError)
    expect(() => oracleDecrypt(ct, SIG_2000)).toThrow()

    const tampered = ct.slice()
    tampered[96 + 88 + 10]! ^= 1 // inside the AES ciphertext
    expect(() => tld(tampered, SIG_1000)).toThrow(AesGcmError)

    expect(() => tld(ct.subarray(0, 150), SIG_1000)).toThrow(/header\.w/)
    expect(() => tld(ct.subarray(0, 50), SIG_1000)).toThrow(TleFormatError)
    const badU = ct.slice()
    badU[5]! ^= 0xff
    expect(() => tld(badU, SIG_1000)).toThrow(/header\.u .*not a valid compressed G2 point/)
    const hugeLen = ct.slice()
    hugeLen[96 + 80 + 6] = 0xff // body length ≈ 2^55
    expect(() => tld(hugeLen, SIG_1000)).toThrow(/body claims \d+ bytes/)
    const shortV = ct.slice()
    shortV[96] = 31
    expect(() => tld(shortV, SIG_1000)).toThrow()
    expect(() => tld(ct, SIG_1000.slice(0, 90))).toThrow(/48 bytes/)
    // trailing bytes are ignored, as the pallet's deserialize_compressed(reader) ignores them
    expect(tld(new Uint8Array([...ct, 1, 2, 3]), SIG_1000)).toEqual(msg)
  })
})
