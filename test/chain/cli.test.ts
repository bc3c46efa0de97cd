import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {createWallet} from '../../src/wallet/index.js'
import {runCli} from '../helpers/cli.js'

// The built binary: register (burn, --yes) → register again (already registered) → metagraph --json.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-cli-chain-'))
let devnet: Devnet
let coldkey: string
let hotkey: string

beforeAll(async () => {
  // the wallet commands have their own CLI test (test/wallet/cli.test.ts); make the wallet in-process here
  const w = await createWallet({name: 'op', hotkey: 'default', path: tmp, password: ''})
  coldkey = w.coldkey.address
  hotkey = w.hotkey.address
  devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: {accounts: [{account: coldkey, balance: 50}], subnets: [{netuid: 1, burn: 2}]}})
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
  fs.rmSync(tmp, {recursive: true, force: true})
})

describe('bitmind register / metagraph', () => {
  it('registers by burn, says so when already registered, and shows the metagraph', async () => {
    const base = ['--netuid', '1', '--subtensor.chain_endpoint', devnet.url, '--wallet.path', tmp, '--wallet.name', 'op']
    const reg = await runCli(['register', ...base, '--yes', '--json'])
    expect(reg.code).toBe(0)
    expect(reg.stderr).not.toMatch(/REGISTRY:|transaction extensions/)
    expect(JSON.parse(reg.stdout)).toMatchObject({uid: 0, hotkey, alreadyRegistered: false, method: 'burn', burn: 2})
    const again = await runCli(['register', ...base, '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`already registered on netuid 1 as uid 0`)
    const mg = await runCli(['metagraph', '--netuid', '1', '--subtensor.chain_endpoint', devnet.url, '--json'])
    expect(mg.code).toBe(0)
    // Subtensor's transaction extensions are declared to @polkadot/api: no REGISTRY warning, none of our own
    expect(mg.stderr).not.toMatch(/REGISTRY:|transaction extensions/)
    const j = JSON.parse(mg.stdout) as {hotkeys: string[]; coldkeys: string[]; n: number}
    expect(j).toMatchObject({n: 1, hotkeys: [hotkey], coldkeys: [coldkey]})
  }, 90_000)
})
