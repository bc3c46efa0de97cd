import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {decodeAddress, sr25519Verify} from '@polkadot/util-crypto'

/** The string a dendrite signs: `{nonce}.{dendrite_hotkey}.{axon_hotkey}.{dendrite_uuid}.{body_hash}`. */
export function dendriteMessage(p: {nonce: bigint; dendriteHotkey: string; axonHotkey: string; uuid: string; bodyHash: string}): string {
  return `${p.nonce}.${p.dendriteHotkey}.${p.axonHotkey}.${p.uuid}.${p.bodyHash}`
}

/** The string an axon signs on its answer: `{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}`. */
export function axonMessage(p: {nonce: bigint; dendriteHotkey: string; axonHotkey: string; uuid: string}): string {
  return `${p.nonce}.${p.dendriteHotkey}.${p.axonHotkey}.${p.uuid}`
}

/** sr25519 signature of the UTF-8 message, `0x` + hex, as the SDK's `keypair.sign(message).hex()`. */
export function signMessage(pair: KeyringPair, message: string): string {
  return u8aToHex(pair.sign(new TextEncoder().encode(message)))
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
    return sr25519Verify(new TextEncoder().encode(message), sig, publicKeyOf(ss58))
  } catch {
    return false
  }
}

/** `time.time_ns()` as a BigInt (ms clock scaled; sub-ms from hrtime keeps successive nonces increasing). */
const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
export function timeNs(): bigint {
  return originNs + process.hrtime.bigint()
}
