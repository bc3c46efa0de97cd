import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {withCliMessage} from '../../src/cli/cli-message.js'
import {
  createWallet,
  decryptKeyfile,
  detectEncoding,
  encryptKeyfile,
  keyfileFromSecret,
  listWallets,
  openWallet,
  toCanonicalSecret,
  writeHotkey,
} from '../../src/wallet/index.js'
import {passwordEnvVar, takeColdkeyPassword} from '../../src/config/settings.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'wallet')
const COLD_MNEMONIC = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk'
const HOT_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-wallet-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))
const FAST = {iterations: 2, memoryKiB: 1024}

describe('btcli wallet fixture (docs/ARCHITECTURE.md § Wallets layout, test/fixtures/wallet/make-fixture.mjs)', () => {
  it('opens the $NACL coldkey with its password and derives the keyring addresses', async () => {
    await cryptoWaitReady()
    const kr = new Keyring({type: 'sr25519', ss58Format: 42})
    const coldExpected = kr.addFromMnemonic(COLD_MNEMONIC).address
    const hotExpected = kr.addFromMnemonic(HOT_MNEMONIC).address
    // the substrate dev phrase's own account, as every substrate tool prints it
    expect(coldExpected).toBe('5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV')
    const w = await openWallet({name: 'btcli', hotkey: 'default', path: FIXTURES})
    expect(w.coldkeyAddress).toBe(coldExpected)
    expect(w.hotkeyAddress).toBe(hotExpected)
    expect(w.hotkeyPair().address).toBe(hotExpected)
    // one real argon2i at btwallet's cost (512 MiB, 8 passes): the wrong-password path is covered with a cheap KDF below
    const cold = await w.coldkeyPair('bitmind-fixture-password')
    expect(cold.address).toBe(coldExpected)
    const msg = new TextEncoder().encode('hello')
    expect(kr.addFromMnemonic(COLD_MNEMONIC).verify(msg, cold.sign(msg), cold.publicKey)).toBe(true)
  }, 120_000)

  it('writes the same keyfile JSON the fixture has (field set, canonical privateKey)', () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'btcli', 'hotkeys', 'default'), 'utf8'))
    expect(keyfileFromSecret({mnemonic: HOT_MNEMONIC})).toEqual(fixture)
    expect(Object.keys(keyfileFromSecret({mnemonic: HOT_MNEMONIC}))).toEqual(Object.keys(fixture))
  })
})

describe('keyfile encryption', () => {
  it('round-trips $NACL and detects legacy encodings with a clear message', async () => {
    const plain = Buffer.from('{"secretPhrase":"x"}')
    const enc = await encryptKeyfile(plain, 'pw', FAST)
    expect(enc.subarray(0, 5).toString()).toBe('$NACL')
    expect(enc.length).toBe(5 + 24 + 16 + plain.length)
    expect(detectEncoding(enc)).toBe('nacl')
    expect(await decryptKeyfile(enc, 'pw', 'f', FAST)).toEqual(plain)
    await expect(decryptKeyfile(enc, 'nope', 'f', FAST)).rejects.toThrow(/wrong password/)
    await expect(decryptKeyfile(Buffer.from('$ANSIBLE_VAULT;1.1;AES256\n...'), 'pw', 'cold')).rejects.toThrow(/legacy Ansible-vault/)
    await expect(decryptKeyfile(Buffer.from('gAAAAABh...'), 'pw', 'cold')).rejects.toThrow(/legacy Fernet/)
  })

  it('canonical secret = scalar / 8 (little-endian)', () => {
    const s = new Uint8Array(64).fill(0)
    s[0] = 0x40
    s[1] = 0x01
    const c = toCanonicalSecret(s)
    expect(c[0]).toBe(0x28)
    expect(c[1]).toBe(0)
  })
})

describe('wallet files', () => {
  it('creates wallets with 0600 files, 0700 folders, refuses to overwrite, lists them', async () => {
    const ref = {name: 'alice', hotkey: 'h1', path: tmp}
    const {coldkey, hotkey, wallet} = await createWallet({...ref, password: ''})
    expect(coldkey.mnemonic?.split(' ')).toHaveLength(12)
    expect(wallet.hotkeyPair().address).toBe(hotkey.address)
    for (const f of ['coldkey', 'coldkeypub.txt', 'hotkeys/h1', 'hotkeys/h1pub.txt']) {
      expect(fs.statSync(path.join(tmp, 'alice', f)).mode & 0o777).toBe(0o600)
    }
    expect(fs.statSync(path.join(tmp, 'alice')).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(tmp, 'alice', 'hotkeys')).mode & 0o777).toBe(0o700)
    await expect(withCliMessage(writeHotkey(ref))).rejects.toThrow(/exists; pass --overwrite/)
    const again = await writeHotkey(ref, {mnemonic: HOT_MNEMONIC, overwrite: true})
    expect(again.mnemonic).toBeUndefined()
    expect((await openWallet(ref)).hotkeyPair().address).toBe('5EHgWw2Af1pnoc7f1A8bfmM97W3DAYW8xr82RfhLL9oAabAe')
    const pub = JSON.parse(fs.readFileSync(path.join(tmp, 'alice', 'coldkeypub.txt'), 'utf8'))
    expect(pub.secretPhrase).toBeNull()
    expect(pub.privateKey).toBeNull()
    expect(JSON.stringify(pub)).not.toContain(coldkey.mnemonic!.split(' ')[0]! + ' ')
    const list = await listWallets(tmp)
    expect(list).toEqual([{name: 'alice', coldkeyAddress: coldkey.address, hotkeys: [{name: 'h1', address: again.address}]}])
    expect(passwordEnvVar('my-wallet')).toBe('BT_COLD_PW_MY_WALLET')
    expect(takeColdkeyPassword('my-wallet', {BT_COLD_PW_My_Wallet: 'a'})).toBe('a')
    expect(takeColdkeyPassword('WALLET', {bt_cold_pw_wallet: 'b'})).toBe('b')
    expect(takeColdkeyPassword('other', {bt_cold_pw_wallet: 'b'})).toBeUndefined()
  })
})
