import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {openWallet} from '../../src/wallet/index.js'
import {runCli} from '../helpers/cli.js'

// `bitmind wallet …` through the built binary, in a throw-away --wallet.path.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-wallet-cli-'))
const KNOWN = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk'
const PASSWORD = 'cli-test-password-7'
let keyring: Keyring
const base = (name: string, hotkey = 'default') => ['--wallet.path', tmp, '--wallet.name', name, '--wallet.hotkey', hotkey]
const mode = (p: string) => fs.statSync(p).mode & 0o777
const addressOf = (mnemonic: string) => keyring.addFromMnemonic(mnemonic).address

beforeAll(async () => {
  await cryptoWaitReady()
  keyring = new Keyring({type: 'sr25519', ss58Format: 42})
})
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

describe('bitmind wallet create / new-hotkey / show / list', () => {
  let created: {coldkey: string; hotkey: string; coldkeyMnemonic: string; hotkeyMnemonic: string}

  it('create writes the btcli layout with 0600 files in 0700 folders; the mnemonics derive the printed addresses', async () => {
    const r = await runCli(['wallet', 'create', ...base('ops'), '--no-password', '--json'])
    expect(r.code).toBe(0)
    created = JSON.parse(r.stdout)
    expect(created.coldkeyMnemonic.split(' ')).toHaveLength(12)
    expect(addressOf(created.coldkeyMnemonic)).toBe(created.coldkey)
    expect(addressOf(created.hotkeyMnemonic)).toBe(created.hotkey)
    const dir = path.join(tmp, 'ops')
    for (const f of ['coldkey', 'coldkeypub.txt', 'hotkeys/default', 'hotkeys/defaultpub.txt']) expect(mode(path.join(dir, f))).toBe(0o600)
    expect(mode(dir)).toBe(0o700)
    expect(mode(path.join(dir, 'hotkeys'))).toBe(0o700)
    const pub = JSON.parse(fs.readFileSync(path.join(dir, 'coldkeypub.txt'), 'utf8'))
    expect(pub).toMatchObject({ss58Address: created.coldkey, privateKey: null, secretPhrase: null, secretSeed: null})
  }, 60_000)

  it('refuses to overwrite without --overwrite and leaves the files as they were', async () => {
    const before = fs.readFileSync(path.join(tmp, 'ops', 'coldkeypub.txt'))
    const r = await runCli(['wallet', 'create', ...base('ops'), '--no-password'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/--overwrite/)
    expect(fs.readFileSync(path.join(tmp, 'ops', 'coldkeypub.txt')).equals(before)).toBe(true)
  }, 60_000)

  it('new-hotkey adds a hotkey; show and list print addresses and never a mnemonic', async () => {
    const nh = await runCli(['wallet', 'new-hotkey', ...base('ops', 'h2'), '--json'])
    expect(nh.code).toBe(0)
    const h2 = JSON.parse(nh.stdout) as {address: string; mnemonic: string}
    expect(addressOf(h2.mnemonic)).toBe(h2.address)
    const [show, list] = await Promise.all([
      runCli(['wallet', 'show', ...base('ops', 'h2')]),
      runCli(['wallet', 'list', '--wallet.path', tmp, '--json']),
    ])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain(created.coldkey)
    expect(show.stdout).toContain(h2.address)
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual({
      wallets: [{name: 'ops', coldkeyAddress: created.coldkey, hotkeys: [{name: 'default', address: created.hotkey}, {name: 'h2', address: h2.address}]}],
    })
    for (const out of [show.stdout + show.stderr, list.stdout + list.stderr]) {
      for (const m of [created.coldkeyMnemonic, created.hotkeyMnemonic, h2.mnemonic]) expect(out).not.toContain(m.split(' ').slice(0, 3).join(' '))
    }
  }, 60_000)
})

describe('bitmind wallet regen-hotkey / regen-coldkey', () => {
  it('regen-hotkey restores the keyring address of a known mnemonic and refuses an existing file without --overwrite', async () => {
    const refused = await runCli(['wallet', 'regen-hotkey', ...base('ops'), '--mnemonic', KNOWN])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/--overwrite/)
    const r = await runCli(['wallet', 'regen-hotkey', ...base('ops'), '--mnemonic', KNOWN, '--overwrite', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({address: addressOf(KNOWN)})
    expect((await openWallet({name: 'ops', hotkey: 'default', path: tmp})).hotkeyPair().address).toBe(addressOf(KNOWN))
  }, 60_000)

  it('regen-coldkey encrypts with BT_COLD_PW_<NAME> ($NACL), prints no secret, and the file opens with that password', async () => {
    const r = await runCli(['wallet', 'regen-coldkey', ...base('cold-1'), '--mnemonic', KNOWN, '--json'], {
      env: {BT_COLD_PW_COLD_1: PASSWORD},
      timeoutMs: 150_000,
    })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({name: 'cold-1', coldkey: addressOf(KNOWN)})
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(PASSWORD)
      expect(out).not.toContain('bottom drive obey')
    }
    const file = fs.readFileSync(path.join(tmp, 'cold-1', 'coldkey'))
    expect(file.subarray(0, 5).toString('latin1')).toBe('$NACL')
    expect(file.includes(Buffer.from('bottom drive'))).toBe(false)
    const w = await openWallet({name: 'cold-1', hotkey: 'default', path: tmp})
    expect(w.coldkeyAddress).toBe(addressOf(KNOWN))
    expect((await w.coldkeyPair(PASSWORD)).address).toBe(addressOf(KNOWN))
  }, 180_000)
})
