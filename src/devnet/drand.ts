import {bls12_381} from '@noble/curves/bls12-381'
import {u8aToHex} from '@polkadot/util'
import {sha256AsU8a} from '@polkadot/util-crypto'

import type {BeaconInfo} from '../chain/timelock.js'
import {identityPoint, QUICKNET, roundIdentity, tld} from '../chain/tle/index.js'

/** drand quicknet's scheme: signatures on G1 (RFC 9380 hash-to-curve), public key on G2. */
export const DRAND_SCHEME = QUICKNET.scheme
const DEFAULT_TEST_SEED = 'bitmind devnet drand test key'

/**
 * A drand-style beacon with a local BLS key pair, so timelock encryption round-trips offline: round r is
 * signed as drand quicknet does (sk · H_G1(sha256(r as u64 big-endian))), and it becomes available at
 * genesis_time + (r − 1)·period seconds, as drand-client's `roundTime` says.
 */
export class TestBeacon {
  readonly info: BeaconInfo
  private readonly sk: bigint

  constructor(opts: {secretKey?: string; period: number; genesisTime: number}) {
    const order = bls12_381.fields.Fr.ORDER
    const seed = opts.secretKey
      ? Buffer.from(opts.secretKey.replace(/^0x/, ''), 'hex')
      : sha256AsU8a(new TextEncoder().encode(DEFAULT_TEST_SEED))
    this.sk = (BigInt(u8aToHex(seed)) % (order - 1n)) + 1n
    const pk = bls12_381.G2.Point.BASE.multiply(this.sk).toBytes(true)
    const publicKey = Buffer.from(pk).toString('hex')
    this.info = {
      public_key: publicKey,
      period: opts.period,
      genesis_time: opts.genesisTime,
      hash: Buffer.from(sha256AsU8a(pk)).toString('hex'),
      groupHash: Buffer.from(sha256AsU8a(new TextEncoder().encode(`group:${publicKey}`))).toString('hex'),
      schemeID: DRAND_SCHEME,
      metadata: {beaconID: 'bitmind-devnet'},
    }
  }

  /** The latest round available at `ms` (0 before genesis). */
  roundAt(ms: number): number {
    const t = Math.floor(ms / 1000) - this.info.genesis_time
    return t < 0 ? 0 : Math.floor(t / this.info.period) + 1
  }

  /** When `round` becomes available, in ms since the epoch. */
  roundTime(round: number): number {
    return (this.info.genesis_time + (round - 1) * this.info.period) * 1000
  }

  sign(round: number): {round: number; randomness: string; signature: string} {
    const sig = identityPoint(roundIdentity(round)).multiply(this.sk).toBytes(true)
    return {round, randomness: Buffer.from(sha256AsU8a(sig)).toString('hex'), signature: Buffer.from(sig).toString('hex')}
  }
}

/**
 * Decrypt a `commit_timelocked_weights` ciphertext (the chain's TLECiphertext bytes, see src/chain/tle) with the
 * round's pulse signature, as the pallet does with Drand.Pulses[reveal_round].signature. Returns the plaintext
 * (the SCALE payload) or throws.
 */
export function decryptCommit(ciphertext: Uint8Array, signature: Uint8Array | string): Uint8Array {
  return tld(ciphertext, signature)
}
