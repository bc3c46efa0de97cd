/**
 * Timelock encryption to a drand round in the byte format the Subtensor chain decrypts: ideal-lab5/timelock's
 * `tle::<TinyBLS381, AESGCMStreamCipherProvider, _>` / `tld` at 5416406cfd32799e31e1795393d4916894de4468, the
 * revision both opentensor/bittensor-drand (`Cargo.toml`, used by the Python SDK's `get_encrypted_commit`) and
 * opentensor/subtensor (workspace `Cargo.toml`; `pallets/subtensor/src/coinbase/reveal_commits.rs`) pin.
 *
 * The ciphertext is arkworks `serialize_compressed` of
 *   TLECiphertext { header: {u: G2 (96), v: Vec<u8> (32), w: Vec<u8> (32)}, body: Vec<u8>, cipher_suite: Vec<u8> }
 * where `body` is the serialized AESOutput (see aes-gcm.ts) and cipher_suite = "AES_GCM_"; every Vec is prefixed
 * with its u64 little-endian length. The same random 32-byte key is the IBE message and the AES key. Later crate
 * versions (renamed `timelock`, 2025-09) made v and w fixed `[u8; 32]` (no length prefix): not what the chain reads.
 */
import {createHash, randomBytes as nodeRandomBytes} from 'node:crypto'

import {bls12_381} from '@noble/curves/bls12-381'

import {AES_GCM_CIPHER_SUITE, aesGcmDecrypt, aesGcmEncrypt} from './aes-gcm.js'
import {ibeDecrypt, ibeEncrypt, identityPoint, type IbeCiphertext} from './ibe.js'
import {ArkReader, ArkWriter, g1FromBytes, g2FromBytes, type G2Point} from './serialize.js'

export {AesGcmError, AES_GCM_CIPHER_SUITE} from './aes-gcm.js'
export {IbeDecryptionError, identityPoint, QUICKNET_DST} from './ibe.js'
export {TleFormatError} from './serialize.js'

/** drand quicknet, as bittensor-drand hard-codes it (`src/drand.rs`) and finney's Drand.BeaconConfig holds */
export const QUICKNET = {
  publicKey:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  genesisTime: 1692803367,
  period: 3,
  scheme: 'bls-unchained-g1-rfc9380',
} as const

export interface TleCiphertext {
  header: IbeCiphertext
  body: Uint8Array
  cipherSuite: Uint8Array
}

/** The identity drand quicknet signs for a round: sha256(round as u64 big-endian). */
export function roundIdentity(round: number | bigint): Uint8Array {
  const r = BigInt(round)
  if (r < 0n || r >= 1n << 64n) throw new RangeError(`drand round ${round} is not a u64`)
  const msg = new Uint8Array(8)
  new DataView(msg.buffer).setBigUint64(0, r, false)
  return new Uint8Array(createHash('sha256').update(msg).digest())
}

export function encodeCiphertext(ct: TleCiphertext): Uint8Array {
  return new ArkWriter().g2(ct.header.u).bytes(ct.header.v).bytes(ct.header.w).bytes(ct.body).bytes(ct.cipherSuite).finish()
}

/**
 * Parse ciphertext bytes (e.g. a commit read from chain), validating lengths and the G2 point. Trailing bytes are
 * ignored, as the pallet's `deserialize_compressed(reader)` ignores them.
 */
export function decodeCiphertext(bytes: Uint8Array): TleCiphertext {
  const r = new ArkReader(bytes, 'timelock ciphertext')
  const u = r.g2('header.u')
  const v = r.bytes('header.v')
  const w = r.bytes('header.w')
  const body = r.bytes('body')
  const cipherSuite = r.bytes('cipher_suite')
  return {header: {u, v, w}, body, cipherSuite}
}

export interface EncryptOptions {
  /** the beacon public key: compressed G2 (96 bytes or hex) or a point */
  publicKey: Uint8Array | string | G2Point
  /** the identity bytes, for drand rounds `roundIdentity(round)` */
  identity: Uint8Array
  /** randomness source (tests may make it deterministic); node's CSPRNG by default */
  randomBytes?: (n: number) => Uint8Array
  /** the 32-byte ephemeral key (IBE message and AES key); random by default */
  secretKey?: Uint8Array
}

const hexBytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'))

/** `tle`: encrypt `message` to `identity` under the beacon key; returns the serialized TLECiphertext. */
export function tle(message: Uint8Array, opts: EncryptOptions): Uint8Array {
  const rand = opts.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)))
  const pk =
    typeof opts.publicKey === 'string'
      ? g2FromBytes(hexBytes(opts.publicKey))
      : opts.publicKey instanceof Uint8Array
        ? g2FromBytes(opts.publicKey)
        : opts.publicKey
  const key = opts.secretKey ?? rand(32)
  if (key.length !== 32) throw new RangeError(`the ephemeral secret key must be 32 bytes, got ${key.length}`)
  const header = ibeEncrypt(key, pk, identityPoint(opts.identity), rand)
  const body = aesGcmEncrypt(message, key, rand(12))
  return encodeCiphertext({header, body, cipherSuite: AES_GCM_CIPHER_SUITE})
}

/** `tle` for a drand round: what bittensor-drand's `encrypt_and_compress(payload, round)` produces. */
export function encryptToRound(message: Uint8Array, round: number | bigint, publicKey: EncryptOptions['publicKey'] = QUICKNET.publicKey): Uint8Array {
  return tle(message, {publicKey, identity: roundIdentity(round)})
}

/**
 * `tld`: decrypt serialized ciphertext bytes with the round's signature (compressed G1, 48 bytes or hex; a `0x`
 * prefix is dropped, as the pallet drops it from Drand.Pulses). Throws TleFormatError (malformed input),
 * IbeDecryptionError (wrong signature) or AesGcmError (body does not authenticate).
 */
export function tld(ciphertext: Uint8Array | TleCiphertext, signature: Uint8Array | string): Uint8Array {
  const ct = ciphertext instanceof Uint8Array ? decodeCiphertext(ciphertext) : ciphertext
  const sig = g1FromBytes(typeof signature === 'string' ? hexBytes(signature) : signature)
  const key = ibeDecrypt(ct.header, sig)
  return aesGcmDecrypt(ct.body, key)
}

/** Verify a beacon signature for a round (BLS on G1, public key on G2), e.g. a pulse before trusting it. */
export function verifyRoundSignature(round: number | bigint, signature: Uint8Array | string, publicKey: Uint8Array | string): boolean {
  const sig = g1FromBytes(typeof signature === 'string' ? hexBytes(signature) : signature)
  const pk = g2FromBytes(typeof publicKey === 'string' ? hexBytes(publicKey) : publicKey)
  return bls12_381.shortSignatures.verify(sig, identityPoint(roundIdentity(round)), pk)
}
