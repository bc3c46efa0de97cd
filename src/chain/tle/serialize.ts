/**
 * The pieces of arkworks' `CanonicalSerialize` (ark-serialize 0.4, compressed mode) that the timelock ciphertext
 * uses, for BLS12-381:
 * - `Vec<T>`: u64 little-endian element count, then the elements (for `Vec<u8>`: the bytes);
 * - G1 / G2 points: the ZCash compressed encoding (ark-bls12-381's `curves/util.rs`), the same bytes noble's
 *   `toBytes(true)` writes: 48 / 96 bytes, big-endian x (for G2: x.c1 ‖ x.c0), flags in the top 3 bits;
 * - prime field elements (Fp, Fr): little-endian, ceil(bits / 8) bytes (48 for Fp, 32 for Fr);
 * - extension fields: their coefficients in order c0, c1 (, c2), recursively, so GT = Fp12 is 12 × 48 = 576 bytes
 *   ordered c0.c0.c0, c0.c0.c1, c0.c1.c0, …, c1.c2.c1 (noble's `Fp12.toBytes` uses a different order).
 */
import {bls12_381} from '@noble/curves/bls12-381'

export type G1Point = InstanceType<typeof bls12_381.G1.Point>
export type G2Point = InstanceType<typeof bls12_381.G2.Point>
export type Fp12 = ReturnType<typeof bls12_381.pairing>

const FP_BYTES = 48
const FR_BYTES = 32

/** A malformed ciphertext (or other serialized input): where it went wrong is in the message. */
export class TleFormatError extends Error {
  override readonly name = 'TleFormatError'
}

export function bigintToLe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len)
  let v = n
  for (let i = 0; i < len; i++) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  if (v !== 0n) throw new RangeError(`${n} does not fit in ${len} bytes`)
  return out
}

export function beToBigint(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

/** arkworks `Fr::serialize_compressed`: 32 bytes little-endian. */
export function frToBytes(x: bigint): Uint8Array {
  return bigintToLe(x, FR_BYTES)
}

/** arkworks `PairingOutput<Bls12_381>::serialize_compressed` (576 bytes). */
export function gtToBytes(f: Fp12): Uint8Array {
  const out = new Uint8Array(12 * FP_BYTES)
  let i = 0
  for (const fp6 of [f.c0, f.c1]) {
    for (const fp2 of [fp6.c0, fp6.c1, fp6.c2]) {
      for (const fp of [fp2.c0, fp2.c1]) out.set(bigintToLe(fp, FP_BYTES), FP_BYTES * i++)
    }
  }
  return out
}

export class ArkWriter {
  private readonly parts: Uint8Array[] = []

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes)
    return this
  }

  /** `Vec<u8>`: u64 LE length, then the bytes */
  bytes(b: Uint8Array): this {
    return this.raw(bigintToLe(BigInt(b.length), 8)).raw(b)
  }

  g2(p: G2Point): this {
    return this.raw(p.toBytes(true))
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0))
    let o = 0
    for (const p of this.parts) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
}

/** Reads what ArkWriter writes, refusing short or inconsistent input with a TleFormatError naming the field. */
export class ArkReader {
  private off = 0

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.off
  }

  raw(n: number, field: string): Uint8Array {
    if (this.remaining < n) {
      throw new TleFormatError(`${this.what}: ${field} needs ${n} bytes at offset ${this.off}, ${this.remaining} left`)
    }
    const out = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return out
  }

  /** `Vec<u8>`: u64 LE length (checked against what is left before anything is allocated), then the bytes */
  bytes(field: string): Uint8Array {
    const lenBytes = this.raw(8, `${field} length`)
    let len = 0n
    for (let i = 7; i >= 0; i--) len = (len << 8n) | BigInt(lenBytes[i]!)
    if (len > BigInt(this.remaining)) {
      throw new TleFormatError(`${this.what}: ${field} claims ${len} bytes at offset ${this.off}, ${this.remaining} left`)
    }
    return this.raw(Number(len), field)
  }

  /** A compressed G2 point; noble checks it is on the curve and in the prime-order subgroup, as arkworks does. */
  g2(field: string): G2Point {
    const at = this.off
    const b = this.raw(96, field)
    try {
      return bls12_381.G2.Point.fromBytes(b)
    } catch (e) {
      throw new TleFormatError(`${this.what}: ${field} at offset ${at} is not a valid compressed G2 point (${(e as Error).message})`)
    }
  }
}

/** A compressed G1 point (a drand quicknet signature: 48 bytes), validated like arkworks' `deserialize_compressed`. */
export function g1FromBytes(b: Uint8Array, what = 'signature'): G1Point {
  return compressedPoint(bls12_381.G1.Point, 'G1', 48, b, what)
}

/** A compressed G2 point (a beacon public key: 96 bytes). */
export function g2FromBytes(b: Uint8Array, what = 'public key'): G2Point {
  return compressedPoint(bls12_381.G2.Point, 'G2', 96, b, what)
}

function compressedPoint<P>(group: {fromBytes(b: Uint8Array): P}, name: string, size: number, b: Uint8Array, what: string): P {
  if (b.length !== size) throw new TleFormatError(`${what}: a compressed ${name} point is ${size} bytes, got ${b.length}`)
  try {
    return group.fromBytes(b)
  } catch (e) {
    throw new TleFormatError(`${what}: not a valid compressed ${name} point (${(e as Error).message})`)
  }
}
