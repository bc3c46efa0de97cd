import fs from 'node:fs'
import path from 'node:path'

import type {KeyringPair} from '@polkadot/keyring/types'
import writeFileAtomic from 'write-file-atomic'

import {expandHome} from '../config/paths.js'
import {takeColdkeyPassword} from '../config/settings.js'
import {KeyExistsError, WalletNotFoundError} from './errors.js'
import {decryptKeyfile, detectEncoding, encryptKeyfile, KeyfileError, type KeyfileJson, parseKeyfileJson} from './keyfile.js'
import {addressOf, generateMnemonic, keyfileFromSecret, keysReady, pairFromKeyfile, publicKeyfile, validateMnemonic} from './keypair.js'
import {promptHidden} from './prompt.js'

export interface WalletRef {
  name: string
  hotkey: string
  /** folder holding wallets (`~` expanded) */
  path: string
}

export function walletFiles(ref: WalletRef) {
  const dir = path.join(expandHome(ref.path), ref.name)
  return {
    dir,
    coldkey: path.join(dir, 'coldkey'),
    coldkeypub: path.join(dir, 'coldkeypub.txt'),
    hotkeysDir: path.join(dir, 'hotkeys'),
    hotkey: path.join(dir, 'hotkeys', ref.hotkey),
    hotkeypub: path.join(dir, 'hotkeys', `${ref.hotkey}pub.txt`),
  }
}

/** The key file, or a WalletNotFoundError that tells a missing hotkey of an existing wallet from a missing wallet. */
function readFile(file: string, what: 'coldkey' | 'hotkey', ref: WalletRef): Buffer {
  try {
    return fs.readFileSync(file)
  } catch {
    const files = walletFiles(ref)
    const walletExists = fs.existsSync(files.coldkeypub) || fs.existsSync(files.coldkey)
    throw new WalletNotFoundError(file, {name: ref.name, hotkey: ref.hotkey, path: ref.path}, what, walletExists)
  }
}

export class Wallet {
  readonly files: ReturnType<typeof walletFiles>
  private hotkeyCache?: KeyringPair
  private coldkeyCache?: KeyringPair

  constructor(readonly ref: WalletRef) {
    this.files = walletFiles(ref)
  }

  get name(): string {
    return this.ref.name
  }

  get hotkeyName(): string {
    return this.ref.hotkey
  }

  get coldkeyAddress(): string {
    const file = this.files.coldkeypub
    return addressOf(parseKeyfileJson(readFile(file, 'coldkey', this.ref), file), file)
  }

  get hotkeyAddress(): string {
    if (fs.existsSync(this.files.hotkeypub)) {
      return addressOf(parseKeyfileJson(fs.readFileSync(this.files.hotkeypub), this.files.hotkeypub), this.files.hotkeypub)
    }
    return this.hotkeyPair().address
  }

  hasHotkey(): boolean {
    return fs.existsSync(this.files.hotkey)
  }

  hasColdkey(): boolean {
    return fs.existsSync(this.files.coldkey) || fs.existsSync(this.files.coldkeypub)
  }

  /** The hotkey pair (hotkeys are plain JSON, btcli's default). */
  hotkeyPair(): KeyringPair {
    if (this.hotkeyCache) return this.hotkeyCache
    const file = this.files.hotkey
    const data = readFile(file, 'hotkey', this.ref)
    const enc = detectEncoding(data)
    if (enc !== 'plain') {
      throw new KeyfileError(file, `is encrypted (${enc}); use hotkeyPairAsync(password) or a plain hotkey as btcli makes by default`)
    }
    this.hotkeyCache = pairFromKeyfile(parseKeyfileJson(data, file), file)
    return this.hotkeyCache
  }

  /** The coldkey pair; the password comes from the argument, `BT_COLD_PW_<NAME>`, or a hidden prompt. */
  async coldkeyPair(password?: string): Promise<KeyringPair> {
    if (this.coldkeyCache) return this.coldkeyCache
    await keysReady()
    const file = this.files.coldkey
    const data = readFile(file, 'coldkey', this.ref)
    let plain: Buffer = data
    if (detectEncoding(data) !== 'plain') {
      const pw = password ?? takeColdkeyPassword(this.name) ?? (await promptHidden(`Password for coldkey ${this.name}: `))
      plain = await decryptKeyfile(data, pw, file)
    }
    this.coldkeyCache = pairFromKeyfile(parseKeyfileJson(plain, file), file)
    return this.coldkeyCache
  }
}

export async function openWallet(ref: WalletRef): Promise<Wallet> {
  await keysReady()
  return new Wallet(ref)
}

async function writeSecure(file: string, data: string | Buffer, overwrite: boolean): Promise<void> {
  if (!overwrite && fs.existsSync(file)) throw new KeyExistsError(file)
  fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
  await writeFileAtomic(file, data, {mode: 0o600})
  fs.chmodSync(file, 0o600)
}

function keySecret(opts: {mnemonic?: string; seed?: string}): {mnemonic: string | undefined; seed?: Uint8Array; generated: boolean} {
  if (opts.seed) {
    const hex = opts.seed.replace(/^0x/, '')
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('a seed is 32 bytes of hex (64 hex digits)')
    return {mnemonic: undefined, seed: Buffer.from(hex, 'hex'), generated: false}
  }
  if (opts.mnemonic) {
    if (!validateMnemonic(opts.mnemonic)) throw new Error('the mnemonic is not a valid BIP-39 phrase')
    return {mnemonic: opts.mnemonic, generated: false}
  }
  return {mnemonic: generateMnemonic(12), generated: true}
}

function ensureDirs(files: ReturnType<typeof walletFiles>): void {
  fs.mkdirSync(files.hotkeysDir, {recursive: true, mode: 0o700})
  fs.chmodSync(files.dir, 0o700)
  fs.chmodSync(files.hotkeysDir, 0o700)
}

export interface KeyCreated {
  address: string
  /** the mnemonic when it was generated here (show it once), undefined when regenerated from the user's secret */
  mnemonic?: string
}

/** Write `coldkey` ($NACL with `password`, plain when password is '') and `coldkeypub.txt`. */
export async function writeColdkey(
  ref: WalletRef,
  opts: {password: string; mnemonic?: string; seed?: string; overwrite?: boolean},
): Promise<KeyCreated> {
  await keysReady()
  const files = walletFiles(ref)
  const s = keySecret(opts)
  const json = keyfileFromSecret({mnemonic: s.mnemonic, seed: s.seed})
  const text = JSON.stringify(json)
  const body = opts.password ? await encryptKeyfile(Buffer.from(text), opts.password) : text
  if (!opts.overwrite) for (const f of [files.coldkey, files.coldkeypub]) if (fs.existsSync(f)) throw new KeyExistsError(f)
  ensureDirs(files)
  await writeSecure(files.coldkey, body, true)
  await writeSecure(files.coldkeypub, JSON.stringify(publicKeyfile(json)), true)
  return {address: json.ss58Address!, mnemonic: s.generated ? s.mnemonic : undefined}
}

/** Write `hotkeys/<name>` (plain JSON) and `hotkeys/<name>pub.txt`. */
export async function writeHotkey(ref: WalletRef, opts: {mnemonic?: string; seed?: string; overwrite?: boolean} = {}): Promise<KeyCreated> {
  await keysReady()
  const files = walletFiles(ref)
  const s = keySecret(opts)
  const json: KeyfileJson = keyfileFromSecret({mnemonic: s.mnemonic, seed: s.seed})
  if (!opts.overwrite) for (const f of [files.hotkey, files.hotkeypub]) if (fs.existsSync(f)) throw new KeyExistsError(f)
  ensureDirs(files)
  await writeSecure(files.hotkey, JSON.stringify(json), true)
  await writeSecure(files.hotkeypub, JSON.stringify(publicKeyfile(json)), true)
  return {address: json.ss58Address!, mnemonic: s.generated ? s.mnemonic : undefined}
}

/** A new wallet: coldkey (encrypted with `password`) and one hotkey. */
export async function createWallet(opts: WalletRef & {password: string; mnemonic?: string; hotkeyMnemonic?: string; overwrite?: boolean}): Promise<{
  wallet: Wallet
  coldkey: KeyCreated
  hotkey: KeyCreated
}> {
  const coldkey = await writeColdkey(opts, {password: opts.password, mnemonic: opts.mnemonic, overwrite: opts.overwrite})
  const hotkey = await writeHotkey(opts, {mnemonic: opts.hotkeyMnemonic, overwrite: opts.overwrite})
  return {wallet: new Wallet({name: opts.name, hotkey: opts.hotkey, path: opts.path}), coldkey, hotkey}
}

export interface WalletListing {
  name: string
  coldkeyAddress?: string
  hotkeys: {name: string; address?: string}[]
}

/** Every wallet under `walletPath` with its public addresses (reads no secret). */
export async function listWallets(walletPath: string): Promise<WalletListing[]> {
  await keysReady()
  const root = expandHome(walletPath)
  if (!fs.existsSync(root)) return []
  const out: WalletListing[] = []
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name)
    if (!fs.statSync(dir).isDirectory()) continue
    const w = new Wallet({name, hotkey: 'default', path: walletPath})
    let coldkeyAddress: string | undefined
    try {
      coldkeyAddress = w.coldkeyAddress
    } catch {
      coldkeyAddress = undefined
    }
    const hotkeys: {name: string; address?: string}[] = []
    const hdir = path.join(dir, 'hotkeys')
    if (fs.existsSync(hdir)) {
      for (const h of fs.readdirSync(hdir).sort()) {
        if (h.endsWith('pub.txt') && fs.existsSync(path.join(hdir, h.slice(0, -'pub.txt'.length)))) continue
        let address: string | undefined
        try {
          address = new Wallet({name, hotkey: h, path: walletPath}).hotkeyAddress
        } catch {
          address = undefined
        }
        hotkeys.push({name: h, address})
      }
    }
    out.push({name, coldkeyAddress, hotkeys})
  }
  return out
}
