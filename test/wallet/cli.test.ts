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

// Few spawns (three rounds, independent commands side by side) and one argon2i at btcli's cost, to keep the time down.
describe('bitmind wallet create / new-hotkey / regen-hotkey / regen-coldkey / show / list', () => {
  it('writes the btcli layout (0600 files, 0700 folders), refuses to overwrite, regenerates known keys, prints no secret', async () => {
    const r = await runCli(['wallet', 'create', ...base('ops'), '--no-password', '--json'])
    expect(r.code).toBe(0)
    const created = JSON.parse(r.stdout) as {coldkey: string; hotkey: string; coldkeyMnemonic: string; hotkeyMnemonic: string}
    expect(created.coldkeyMnemonic.split(' ')).toHaveLength(12)
    expect(addressOf(created.coldkeyMnemonic)).toBe(created.coldkey)
    expect(addressOf(created.hotkeyMnemonic)).toBe(created.hotkey)
    const dir = path.join(tmp, 'ops')
    for (const f of ['coldkey', 'coldkeypub.txt', 'hotkeys/default', 'hotkeys/defaultpub.txt']) expect(mode(path.join(dir, f))).toBe(0o600)
    expect(mode(dir)).toBe(0o700)
    expect(mode(path.join(dir, 'hotkeys'))).toBe(0o700)
    const pubBefore = fs.readFileSync(path.join(dir, 'coldkeypub.txt'))
    expect(JSON.parse(pubBefore.toString('utf8'))).toMatchObject({ss58Address: created.coldkey, privateKey: null, secretPhrase: null, secretSeed: null})

    const [refused, nh, regenHot, regenCold] = await Promise.all([
      runCli(['wallet', 'create', ...base('ops'), '--no-password']),
      runCli(['wallet', 'new-hotkey', ...base('ops', 'h2'), '--json']),
      runCli(['wallet', 'regen-hotkey', ...base('ops', 'known'), '--mnemonic', KNOWN, '--json']),
      // stdin is not a terminal: without BT_COLD_PW_COLD_1 the password prompt could not be answered
      runCli(['wallet', 'regen-coldkey', '--wallet.path', tmp, '--wallet.name', 'cold-1', '--mnemonic', KNOWN, '--json'], {env: {BT_COLD_PW_COLD_1: PASSWORD}, timeoutMs: 150_000}),
    ])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/--overwrite/)
    expect(fs.readFileSync(path.join(dir, 'coldkeypub.txt')).equals(pubBefore)).toBe(true)

    expect(nh.code).toBe(0)
    const h2 = JSON.parse(nh.stdout) as {address: string; mnemonic: string}
    expect(addressOf(h2.mnemonic)).toBe(h2.address)

    expect(regenHot.code).toBe(0)
    expect(JSON.parse(regenHot.stdout)).toMatchObject({address: addressOf(KNOWN)})
    expect((await openWallet({name: 'ops', hotkey: 'known', path: tmp})).hotkeyPair().address).toBe(addressOf(KNOWN))

    expect(regenCold.code).toBe(0)
    expect(JSON.parse(regenCold.stdout)).toMatchObject({name: 'cold-1', coldkey: addressOf(KNOWN)})
    for (const out of [regenCold.stdout, regenCold.stderr, regenHot.stderr]) {
      expect(out).not.toContain(PASSWORD)
      expect(out).not.toContain('bottom drive obey')
    }
    const coldFile = fs.readFileSync(path.join(tmp, 'cold-1', 'coldkey'))
    expect(coldFile.subarray(0, 5).toString('latin1')).toBe('$NACL')
    expect(coldFile.includes(Buffer.from('bottom drive'))).toBe(false)
    expect((await openWallet({name: 'cold-1', hotkey: 'default', path: tmp})).coldkeyAddress).toBe(addressOf(KNOWN))

    const [show, list] = await Promise.all([
      runCli(['wallet', 'show', ...base('ops', 'h2')]),
      runCli(['wallet', 'list', '--wallet.path', tmp, '--json']),
    ])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain(created.coldkey)
    expect(show.stdout).toContain(h2.address)
    expect(list.code).toBe(0)
    const wallets = (JSON.parse(list.stdout) as {wallets: {name: string; coldkeyAddress?: string; hotkeys: {name: string; address?: string}[]}[]}).wallets
    expect(wallets.map((w) => w.name)).toEqual(['cold-1', 'ops'])
    expect(wallets[1]).toEqual({
      name: 'ops',
      coldkeyAddress: created.coldkey,
      hotkeys: [
        {name: 'default', address: created.hotkey},
        {name: 'h2', address: h2.address},
        {name: 'known', address: addressOf(KNOWN)},
      ],
    })
    for (const out of [show.stdout + show.stderr, list.stdout + list.stderr]) {
      for (const m of [created.coldkeyMnemonic, created.hotkeyMnemonic, h2.mnemonic]) expect(out).not.toContain(m.split(' ').slice(0, 3).join(' '))
    }
  }, 240_000)
})
