import fs from 'node:fs'

import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {decodeAddress, encodeAddress} from '@polkadot/util-crypto'

import {expandHome} from '../config/paths.js'
import {DevUriError, UnknownAddressError} from './errors.js'
import {keysReady, SS58_FORMAT} from './keypair.js'
import {Wallet, walletFiles} from './wallet.js'

/** An SS58 address in the chain's format (42), or undefined when `text` is not one. */
export function normalizeSs58(text: string): string | undefined {
  try {
    if (!/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(text)) return undefined
    return encodeAddress(decodeAddress(text), SS58_FORMAT)
  } catch {
    return undefined
  }
}

/**
 * An address as a user types it: an SS58 address, or the name of a wallet under `walletPath` (its coldkey). Anything
 * else is an UnknownAddressError naming `field`, the setting the text came from.
 */
export function resolveDestination(text: string, walletPath: string, field = 'dest'): {address: string; wallet?: string} {
  const ss58 = normalizeSs58(text.trim())
  if (ss58) return {address: ss58}
  const files = walletFiles({name: text, hotkey: 'default', path: walletPath})
  if (/^[\w.-]+$/.test(text) && fs.existsSync(files.coldkeypub)) {
    return {address: new Wallet({name: text, hotkey: 'default', path: walletPath}).coldkeyAddress, wallet: text}
  }
  throw new UnknownAddressError(text, expandHome(walletPath), field)
}

/** A development account from its URI (`//Alice`, `//Bob` …): keys everyone knows, for local chains only. */
export async function devAccountPair(uri: string): Promise<KeyringPair> {
  if (!/^\/\/[A-Za-z0-9]+(\/\/?[A-Za-z0-9]+)*$/.test(uri)) throw new DevUriError(uri)
  await keysReady()
  return new Keyring({type: 'sr25519', ss58Format: SS58_FORMAT}).addFromUri(uri)
}
