import {promises as fs} from 'node:fs'
import path from 'node:path'

import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {hexToU8a, u8aToHex} from '@polkadot/util'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import {z} from 'zod'

import {expandHome} from '../config/paths.js'

/** The plain-JSON hotkey file btcli writes (`<path>/<name>/hotkeys/<hotkey>`, DESIGN §8). */
const HotkeyFile = z.object({
  secretPhrase: z.string().nullish(),
  secretSeed: z.string().nullish(),
  ss58Address: z.string().nullish(),
})

export function hotkeyFilePath(wallet: {name: string; hotkey: string; path: string}): string {
  return path.join(expandHome(wallet.path), wallet.name, 'hotkeys', wallet.hotkey)
}

/**
 * The neuron's signing key from a btcli wallet. Derived from the mnemonic (else the seed), never from btwallet's
 * `privateKey` field, whose encoding differs from @polkadot's.
 */
export async function loadHotkey(wallet: {name: string; hotkey: string; path: string}): Promise<KeyringPair> {
  const file = hotkeyFilePath(wallet)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch {
    throw new Error(
      `no hotkey file ${file}: create one with \`btcli wallet new_hotkey --wallet.name ${wallet.name} --wallet.hotkey ${wallet.hotkey}\``,
    )
  }
  if (text.startsWith('$NACL') || text.startsWith('$ANSIBLE_VAULT') || text.startsWith('gAAAAA')) {
    throw new Error(`hotkey ${file} is encrypted; neurons need a plain hotkey file (btcli's default)`)
  }
  let parsed: z.infer<typeof HotkeyFile>
  try {
    parsed = HotkeyFile.parse(JSON.parse(text))
  } catch (err) {
    throw new Error(`hotkey ${file} is not a btcli keyfile: ${(err as Error).message.split('\n')[0]}`)
  }
  await cryptoWaitReady()
  const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
  let pair: KeyringPair
  if (parsed.secretPhrase) pair = keyring.addFromMnemonic(parsed.secretPhrase)
  else if (parsed.secretSeed) pair = keyring.addFromSeed(hexToU8a(parsed.secretSeed))
  else throw new Error(`hotkey ${file} has neither secretPhrase nor secretSeed`)
  if (parsed.ss58Address && parsed.ss58Address !== pair.address) {
    throw new Error(`hotkey ${file}: the key derived from it (${pair.address}) differs from its ss58Address ${parsed.ss58Address}`)
  }
  return pair
}

/**
 * Write a plain hotkey file (and the folder layout btcli uses) for a mnemonic: throw-away wallets for the demo and
 * tests. Holds the mnemonic in clear text, as btcli's unencrypted hotkeys do.
 */
export async function writeHotkeyFile(wallet: {name: string; hotkey: string; path: string}, mnemonic: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  const pair = new Keyring({type: 'sr25519', ss58Format: 42}).addFromMnemonic(mnemonic)
  const file = hotkeyFilePath(wallet)
  await fs.mkdir(path.dirname(file), {recursive: true})
  const body = {
    accountId: u8aToHex(pair.publicKey),
    publicKey: u8aToHex(pair.publicKey),
    secretPhrase: mnemonic,
    ss58Address: pair.address,
  }
  await fs.writeFile(file, JSON.stringify(body), {mode: 0o600})
  return pair
}
