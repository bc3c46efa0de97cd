/**
 * Boneh–Franklin IBE, FullIdent (Fujisaki–Okamoto), as ideal-lab5/timelock's `tle` crate does it for drand quicknet
 * (`TinyBLS381`: public key and U on G2, identity points and signatures on G1). Sources: ideal-lab5/timelock at
 * 5416406cfd32799e31e1795393d4916894de4468 (the revision bittensor-drand and subtensor pin), `tle/src/ibe/fullident.rs`,
 * `tle/src/ibe/utils.rs`, `tle/src/curves/drand.rs`.
 *
 *   encrypt(m: 32 bytes, P_pub, Q_id):  t ← Fr,  σ = H4(t as 32 LE bytes),  r = H3(σ, m),
 *     U = r·G2,  V = σ ⊕ H2(e(Q_id, r·P_pub)),  W = m ⊕ H4(σ)
 *   decrypt(U, V, W, sig = sk·Q_id):  σ = V ⊕ H2(e(sig, U)),  m = W ⊕ H4(σ),  accept only if U = H3(σ, m)·G2
 *
 * with H2(g) = sha256(arkworks bytes of g ∈ GT), H3(a, b) = sha256(a ‖ b) as a big-endian integer mod r,
 * H4(x) = sha256(x) truncated to |x|.
 */
import {bls12_381} from '@noble/curves/bls12-381'
import {createHash} from 'node:crypto'

import {beToBigint, frToBytes, gtToBytes, type G1Point, type G2Point} from './serialize.js'

/** hash-to-G1 domain separation tag of drand quicknet (`QUICKNET_CTX` in the crate, RFC 9380 SSWU, SHA-256) */
export const QUICKNET_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'

const Fr = bls12_381.fields.Fr

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

export interface IbeCiphertext {
  u: G2Point
  v: Uint8Array
  w: Uint8Array
}

export class IbeDecryptionError extends Error {
  override readonly name = 'IbeDecryptionError'
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`)
  return a.map((x, i) => x ^ b[i]!)
}

const h2 = (g: ReturnType<typeof bls12_381.pairing>) => sha256(gtToBytes(g))
const h3 = (a: Uint8Array, b: Uint8Array): bigint => Fr.create(beToBigint(sha256(new Uint8Array([...a, ...b]))))
const h4 = (a: Uint8Array) => sha256(a).subarray(0, a.length)

/**
 * The identity's G1 point: w3f-bls `Message::new(b"", id)` hashed with `hash_to_signature_curve`, i.e. RFC 9380
 * hash-to-G1 of the id bytes (empty context) under QUICKNET_DST: the point drand quicknet signs for a round.
 */
export function identityPoint(id: Uint8Array): G1Point {
  const h = bls12_381.G1.hashToCurve(id, {DST: QUICKNET_DST}).toAffine()
  return bls12_381.G1.Point.fromAffine(h)
}

/** A uniformly random nonzero scalar from 48 random bytes (negligible bias). */
function randomScalar(randomBytes: (n: number) => Uint8Array): bigint {
  for (;;) {
    const t = Fr.create(beToBigint(randomBytes(48)))
    if (t !== 0n) return t
  }
}

export function ibeEncrypt(
  message: Uint8Array,
  publicKey: G2Point,
  identity: G1Point,
  randomBytes: (n: number) => Uint8Array,
): IbeCiphertext {
  if (message.length !== 32) throw new RangeError(`the IBE message is a 32-byte key, got ${message.length} bytes`)
  const sigma = h4(frToBytes(randomScalar(randomBytes)))
  const r = h3(sigma, message)
  const u = bls12_381.G2.Point.BASE.multiply(r)
  const gid = bls12_381.pairing(identity, publicKey.multiply(r))
  return {u, v: xor(sigma, h2(gid)), w: xor(message, h4(sigma))}
}

/** Recover the 32-byte message with the identity's BLS signature; throws IbeDecryptionError for a wrong signature. */
export function ibeDecrypt(ct: IbeCiphertext, signature: G1Point): Uint8Array {
  if (ct.v.length !== 32 || ct.w.length !== 32) {
    throw new IbeDecryptionError(`IBE header: V and W must be 32 bytes, got ${ct.v.length} and ${ct.w.length}`)
  }
  const sigma = xor(ct.v, h2(bls12_381.pairing(signature, ct.u)))
  const m = xor(ct.w, h4(sigma))
  const r = h3(sigma, m)
  if (r === 0n || !bls12_381.G2.Point.BASE.multiply(r).equals(ct.u)) {
    throw new IbeDecryptionError('IBE decryption failed: the signature does not open this ciphertext (wrong round or beacon?)')
  }
  return m
}
