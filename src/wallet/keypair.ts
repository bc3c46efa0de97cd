import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {hexToU8a, u8aToHex} from '@polkadot/util'
import {cryptoWaitReady, mnemonicGenerate, mnemonicToMiniSecret, mnemonicValidate, sr25519PairFromSeed} from '@polkadot/util-crypto'

import type {KeyfileJson} from './keyfile.js'

export const SS58_FORMAT = 42

let ready: Promise<boolean> | undefined
export function keysReady(): Promise<boolean> {
  ready ??= cryptoWaitReady()
  return ready
}

function keyring(): Keyring {
  return new Keyring({type: 'sr25519', ss58Format: SS58_FORMAT})
}

/** A fresh 12-word BIP-39 mnemonic (btcli's default length). */
export function generateMnemonic(words: 12 | 15 | 18 | 21 | 24 = 12): string {
  return mnemonicGenerate(words)
}

export function validateMnemonic(m: string): boolean {
  return mnemonicValidate(m.trim().split(/\s+/).join(' '))
}

/**
 * @polkadot stores sr25519 secrets in schnorrkel's "ed25519 bytes" form (scalar × cofactor 8); btwallet writes
 * schnorrkel's canonical form. Divide the scalar by the cofactor (a 3-bit right shift of the little-endian bytes).
 */
export function toCanonicalSecret(ed25519Form: Uint8Array): Uint8Array {
  const out = Uint8Array.from(ed25519Form)
  let carry = 0
  for (let i = 31; i >= 0; i--) {
    const low = out[i]! & 0b111
    out[i] = (out[i]! >> 3) + carry
    carry = low << 5
  }
  return out
}

/** Keyfile JSON (btcli field names and order) for a key from its mnemonic or 32-byte mini-secret seed. */
export function keyfileFromSecret(secret: {mnemonic?: string; seed?: Uint8Array}): KeyfileJson {
  const mnemonic = secret.mnemonic?.trim().split(/\s+/).join(' ')
  const seed = mnemonic ? mnemonicToMiniSecret(mnemonic) : secret.seed
  if (!seed || seed.length !== 32) throw new Error('a key needs a mnemonic or a 32-byte seed')
  const {publicKey, secretKey} = sr25519PairFromSeed(seed)
  const pair = keyring().addFromPair({publicKey, secretKey})
  return {
    accountId: u8aToHex(publicKey),
    publicKey: u8aToHex(publicKey),
    privateKey: u8aToHex(toCanonicalSecret(secretKey)),
    secretPhrase: mnemonic ?? null,
    secretSeed: u8aToHex(seed),
    ss58Address: pair.address,
  }
}

export function publicKeyfile(k: KeyfileJson): KeyfileJson {
  return {
    accountId: k.accountId ?? null,
    publicKey: k.publicKey ?? null,
    privateKey: null,
    secretPhrase: null,
    secretSeed: null,
    ss58Address: k.ss58Address ?? null,
  }
}

/** A signing pair from a keyfile: from `secretPhrase`, else `secretSeed`; never from `privateKey`. */
export function pairFromKeyfile(k: KeyfileJson, file: string): KeyringPair {
  let pair: KeyringPair
  if (k.secretPhrase) pair = keyring().addFromMnemonic(k.secretPhrase.trim().split(/\s+/).join(' '))
  else if (k.secretSeed) pair = keyring().addFromSeed(hexToU8a(k.secretSeed))
  else throw new Error(`${file} holds no secretPhrase or secretSeed (a public-only keyfile)`)
  if (k.ss58Address && k.ss58Address !== pair.address) {
    throw new Error(`${file}: the key derived from its secret (${pair.address}) is not its ss58Address ${k.ss58Address}`)
  }
  return pair
}

export function addressOf(k: KeyfileJson, file: string): string {
  if (k.ss58Address) return k.ss58Address
  if (k.publicKey) return keyring().encodeAddress(hexToU8a(k.publicKey), SS58_FORMAT)
  throw new Error(`${file} has no ss58Address or publicKey`)
}
