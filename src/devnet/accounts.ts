import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady, decodeAddress, encodeAddress} from '@polkadot/util-crypto'

let keyring: Keyring | undefined

export async function devKeyring(): Promise<Keyring> {
  await cryptoWaitReady()
  keyring ??= new Keyring({type: 'sr25519', ss58Format: 42})
  return keyring
}

/** A dev URI (`//Alice`) → its sr25519 pair; requires `devKeyring()` to have resolved. */
export function devPair(uri: string): KeyringPair {
  if (!keyring) throw new Error('devKeyring() must be awaited first')
  return keyring.addFromUri(uri)
}

/** `//Alice` or an SS58 address → SS58 (prefix 42). */
export function resolveAccount(ref: string): string {
  if (ref.startsWith('//')) return devPair(ref).address
  try {
    return encodeAddress(decodeAddress(ref), 42)
  } catch {
    throw new Error(`"${ref}" is neither a dev URI (//Alice) nor an SS58 address`)
  }
}
