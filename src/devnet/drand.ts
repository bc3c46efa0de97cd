import {bls12_381} from '@noble/curves/bls12-381'
import {u8aToHex} from '@polkadot/util'
import {sha256AsU8a} from '@polkadot/util-crypto'
import {timelockDecrypt, type ChainClient, type ChainInfo} from 'tlock-js'

/** drand quicknet's scheme: signatures on G1 (RFC 9380 hash-to-curve), public key on G2. */
export const DRAND_SCHEME = 'bls-unchained-g1-rfc9380'
const G1_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'
const DEFAULT_TEST_SEED = 'bitmind devnet drand test key'

/**
 * A drand-style beacon with a local BLS key pair, so timelock encryption round-trips offline: round r is
 * signed as drand quicknet does (sk · H_G1(sha256(r as u64 big-endian))), and it becomes available at
 * genesis_time + (r − 1)·period seconds, as drand-client's `roundTime` says.
 */
export class TestBeacon {
  readonly info: ChainInfo
  private readonly sk: bigint

  constructor(opts: {secretKey?: string; period: number; genesisTime: number}) {
    const order = bls12_381.fields.Fr.ORDER
    const seed = opts.secretKey
      ? Buffer.from(opts.secretKey.replace(/^0x/, ''), 'hex')
      : sha256AsU8a(new TextEncoder().encode(DEFAULT_TEST_SEED))
    this.sk = (BigInt(u8aToHex(seed)) % (order - 1n)) + 1n
    const pk = bls12_381.G2.ProjectivePoint.BASE.multiply(this.sk).toRawBytes(true)
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

  sign(round: number): {round: number; randomness: string; signature: string} {
    const msg = new Uint8Array(8)
    new DataView(msg.buffer).setBigUint64(0, BigInt(round), false)
    const point = bls12_381.G1.hashToCurve(sha256AsU8a(msg), {DST: G1_DST}) as unknown as {
      multiply(s: bigint): {toRawBytes(compressed: boolean): Uint8Array}
    }
    const sig = point.multiply(this.sk).toRawBytes(true)
    return {round, randomness: Buffer.from(sha256AsU8a(sig)).toString('hex'), signature: Buffer.from(sig).toString('hex')}
  }

  /**
   * A tlock-js ChainClient over this beacon (no network): `timelockEncrypt(round, payload, beacon.client())`
   * encrypts for the devnet; `get(round)` refuses rounds whose time has not come.
   */
  client(): ChainClient {
    const info = this.info
    const get = async (round: number) => {
      if (round > this.roundAt(Date.now())) throw new Error(`drand round ${round} is in the future`)
      return this.sign(round)
    }
    return {
      options: {disableBeaconVerification: true, noCache: true},
      latest: async () => this.sign(this.roundAt(Date.now())),
      get,
      chain: () => ({baseUrl: 'devnet://drand', info: async () => info}),
    }
  }
}

/**
 * Decrypt a `commit_timelocked_weights` ciphertext made with tlock-js (its age-armoured text, UTF-8 bytes) once
 * its round is public. Returns the plaintext (the SCALE payload) or throws.
 */
export async function decryptCommit(beacon: TestBeacon, ciphertext: Uint8Array): Promise<Uint8Array> {
  const text = Buffer.from(ciphertext).toString('utf8')
  // tlock-js logs every beacon it fetches; keep the devnet's console quiet while it decrypts
  const log = console.log
  console.log = () => {}
  try {
    return new Uint8Array(await timelockDecrypt(text, beacon.client()))
  } finally {
    console.log = log
  }
}
