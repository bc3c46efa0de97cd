import {decodePair} from '@polkadot/keyring/pair/decode'
import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {decodeAddress, sr25519Verify as scureVerify} from '@polkadot/util-crypto'
import * as wasm from '@polkadot/wasm-crypto'

/** The string a dendrite signs: `{nonce}.{dendrite_hotkey}.{axon_hotkey}.{dendrite_uuid}.{body_hash}`. */
export function dendriteMessage(p: {nonce: bigint; dendriteHotkey: string; axonHotkey: string; uuid: string; bodyHash: string}): string {
  return `${p.nonce}.${p.dendriteHotkey}.${p.axonHotkey}.${p.uuid}.${p.bodyHash}`
}

/** The string an axon signs on its answer: `{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}`. */
export function axonMessage(p: {nonce: bigint; dendriteHotkey: string; axonHotkey: string; uuid: string}): string {
  return `${p.nonce}.${p.dendriteHotkey}.${p.axonHotkey}.${p.uuid}`
}

/**
 * sr25519 signature of the UTF-8 message, `0x` + hex, as the SDK's `keypair.sign(message).hex()`.
 * util-crypto 14 signs and verifies with pure-JS @scure/sr25519; the schnorrkel wasm does both ~5-9x faster, and
 * signatures are the hot path of every axon answer, so unlocked sr25519 pairs sign through the wasm.
 */
export function signMessage(pair: KeyringPair, message: string): string {
  const data = new TextEncoder().encode(message)
  const secret = wasmSecret(pair)
  return u8aToHex(secret ? wasm.sr25519Sign(pair.publicKey, secret, data) : pair.sign(data))
}

/** Resolves once the schnorrkel wasm is loaded (until then signing and verifying use the JS fallback). */
export async function signingReady(): Promise<void> {
  await wasm.waitReady()
}

const secrets = new WeakMap<KeyringPair, Uint8Array | null>()

/** The pair's 64-byte secret for the wasm signer, or null (locked, not sr25519, wasm not loaded): use `pair.sign`. */
function wasmSecret(pair: KeyringPair): Uint8Array | null {
  if (pair.type !== 'sr25519' || pair.isLocked || !wasm.isReady()) return null
  let secret = secrets.get(pair)
  if (secret === undefined) {
    secret = null
    try {
      const decoded = decodePair(undefined, pair.encodePkcs8(), [])
      const probe = new TextEncoder().encode('bitmind signer self-check')
      if (decoded.secretKey.length === 64 && wasm.sr25519Verify(wasm.sr25519Sign(pair.publicKey, decoded.secretKey, probe), probe, pair.publicKey)) {
        secret = decoded.secretKey.slice()
      }
    } catch {
      secret = null
    }
    secrets.set(pair, secret)
  }
  return secret
}

const publicKeys = new Map<string, Uint8Array>()

/** The public key of an ss58 address, cached (callers are few and repeat; decoding checks the checksum). */
function publicKeyOf(ss58: string): Uint8Array {
  let pk = publicKeys.get(ss58)
  if (!pk) {
    pk = decodeAddress(ss58)
    if (publicKeys.size > 10_000) publicKeys.clear()
    publicKeys.set(ss58, pk)
  }
  return pk
}

/** sr25519 only (hotkeys are sr25519): `signatureVerify` would also try ed25519 and ecdsa, at twice the cost. */
export function verifyMessage(message: string, signature: string, ss58: string): boolean {
  if (!/^(0x)?[0-9a-fA-F]{128}$/.test(signature)) return false
  try {
    const sig = Buffer.from(signature.replace(/^0x/, ''), 'hex')
    const data = new TextEncoder().encode(message)
    const pk = publicKeyOf(ss58)
    if (pk.length !== 32) return false
    return wasm.isReady() ? wasm.sr25519Verify(sig, data, pk) : scureVerify(data, sig, pk)
  } catch {
    return false
  }
}

/** `time.time_ns()` as a BigInt (ms clock scaled; sub-ms from hrtime keeps successive nonces increasing). */
const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
export function timeNs(): bigint {
  return originNs + process.hrtime.bigint()
}
