import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {signatureVerify} from '@polkadot/util-crypto'

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

export function verifyMessage(message: string, signature: string, ss58: string): boolean {
  if (!/^(0x)?[0-9a-fA-F]{128}$/.test(signature)) return false
  try {
    return signatureVerify(new TextEncoder().encode(message), signature.startsWith('0x') ? signature : `0x${signature}`, ss58).isValid
  } catch {
    return false
  }
}

/** `time.time_ns()` as a BigInt (ms clock scaled; sub-ms from hrtime keeps successive nonces increasing). */
const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
export function timeNs(): bigint {
  return originNs + process.hrtime.bigint()
}
