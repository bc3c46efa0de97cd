import {promises as fs, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {startDevnet} from '../../src/devnet/index.js'
import {newPassword} from '../../src/wallet/password.js'
import {passwordEnvVar} from '../../src/config/settings.js'
import {openWallet, writeColdkey} from '../../src/wallet/index.js'
import {faultGenesis, registerNeurons, spawnBitmind, writeImages} from '../../bench/attack-lib.mjs'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-secrets-'))
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await fs.rm(tmp, {recursive: true, force: true})
})

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8)
const PASSWORD = 'correct horse battery staple 18'

/** Every secret a keyfile holds, in the spellings a log line could carry them. */
async function secretsOf(keyfile: string): Promise<string[]> {
  const k = JSON.parse(await fs.readFile(keyfile, 'utf8')) as Record<string, string | undefined>
  return [k.secretPhrase, k.secretSeed, k.secretSeed?.replace(/^0x/, ''), k.privateKey, k.privateKey?.replace(/^0x/, '')]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
}

describe('secrets', () => {
  it('wallet create: folders 0700, files 0600 (also the folders above it makes), the password in no output', async () => {
    const root = path.join(tmp, 'made', 'by', 'bitmind')
    const r = spawnBitmind(['wallet', 'create', '--wallet.name', 'cold-1', '--wallet.hotkey', 'hk', '--wallet.path', root], {env: {BT_COLD_PW_COLD_1: PASSWORD}})
    expect((await r.exited).code).toBe(0)
    const w = path.join(root, 'cold-1')
    expect({
      made: mode(path.join(tmp, 'made')), by: mode(path.join(tmp, 'made', 'by')), root: mode(root), wallet: mode(w), hotkeys: mode(path.join(w, 'hotkeys')),
      coldkey: mode(path.join(w, 'coldkey')), coldkeypub: mode(path.join(w, 'coldkeypub.txt')),
      hotkey: mode(path.join(w, 'hotkeys', 'hk')), hotkeypub: mode(path.join(w, 'hotkeys', 'hkpub.txt')),
    }).toEqual({made: '700', by: '700', root: '700', wallet: '700', hotkeys: '700', coldkey: '600', coldkeypub: '600', hotkey: '600', hotkeypub: '600'})
    expect(r.log()).not.toContain(PASSWORD)
    // the coldkey is encrypted: neither the password nor the mnemonic shown once is in the file
    const coldkey = await fs.readFile(path.join(w, 'coldkey'), 'utf8')
    const mnemonic = /coldkey \S+\n\s+mnemonic[^:]*: (.+)/.exec(r.log())![1]!.trim()
    expect(mnemonic.split(' ').length).toBe(12)
    expect(coldkey).not.toContain(mnemonic)
    expect(coldkey).not.toContain(PASSWORD)
  }, 60_000)

  it('the password variable is gone from process.env once read (new password and unlock)', async () => {
    const ref = {name: 'env-wallet', hotkey: 'default', path: path.join(tmp, 'env-wallets')}
    const v = passwordEnvVar(ref.name)
    process.env[v] = PASSWORD
    expect(await newPassword(ref.name, false)).toBe(PASSWORD)
    expect(process.env[v]).toBeUndefined()
    await writeColdkey(ref, {password: PASSWORD})
    // btwallet's lookup is case-insensitive: a lower-case spelling is found, and removed, too
    process.env[v.toLowerCase()] = PASSWORD
    const pair = await (await openWallet(ref)).coldkeyPair()
    expect(pair.address).toMatch(/^5/)
    expect(Object.keys(process.env).filter((k) => k.toUpperCase() === v)).toEqual([])
  }, 60_000)

  it('no secret in the neurons\' logs at debug level', async () => {
    const devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: faultGenesis()})
    cleanup.push(() => devnet.stop())
    const wallets = path.join(tmp, 'neuron-wallets')
    await registerNeurons(devnet.url, wallets, ['validator'])
    await writeImages(path.join(tmp, 'real'), 200)
    const v = spawnBitmind(['validate', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url,
      '--wallet.name', 'validator', '--wallet.hotkey', 'default', '--wallet.path', wallets, '--neuron.full_path', path.join(tmp, 'v'),
      '--data.real_dir', path.join(tmp, 'real'), '--neuron.steps', '2', '--logging.debug'], {env: {BT_COLD_PW_VALIDATOR: PASSWORD}})
    cleanup.push(() => v.stop('SIGKILL'))
    expect((await v.exited).code).toBe(0)
    const log = v.log()
    expect(log).toMatch(/DEBUG|validator stopped/)
    const secrets = [PASSWORD, ...(await secretsOf(path.join(wallets, 'validator', 'hotkeys', 'default')))]
    expect(secrets.length).toBeGreaterThanOrEqual(3)
    expect(secrets.filter((s) => log.includes(s))).toEqual([])
  }, 90_000)
})
