import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'

import {connectSubtensor} from '../../src/chain/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'
import {createWallet} from '../../src/wallet/index.js'
import {runCli} from '../helpers/cli.js'

// Issue #10, acceptance line 3, through the built binary: `bitmind register --pow` solves and submits a PoW seal
// where the devnet runs the PoW rule; on a runtime without PoW (devnet `powRegistration: false`, so
// NetworkPowRegistrationAllowed is false) it refuses --pow with the line to run, and plain `register` burns.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-register-kinds-'))
let powNet: Devnet
let burnNet: Devnet
let coldkey: string
let hotkey: string

beforeAll(async () => {
  const w = await createWallet({name: 'op', hotkey: 'default', path: tmp, password: ''})
  coldkey = w.coldkey.address
  hotkey = w.hotkey.address
  const genesis = {accounts: [{account: coldkey, balance: 50}], subnets: [{netuid: 1, burn: 2, difficulty: 300}]}
  powNet = await startDevnet({port: 0, blockTimeMs: 0, genesis, powRegistration: true})
  burnNet = await startDevnet({port: 0, blockTimeMs: 0, genesis, powRegistration: false})
}, 60_000)

afterAll(async () => {
  await powNet?.stop()
  await burnNet?.stop()
  fs.rmSync(tmp, {recursive: true, force: true})
})

const args = (net: Devnet) => ['--netuid', '1', '--subtensor.chain_endpoint', net.url, '--wallet.path', tmp, '--wallet.name', 'op']

async function balanceOn(net: Devnet): Promise<number> {
  const c = await connectSubtensor(net.url)
  try {
    return await c.balance(coldkey)
  } finally {
    await c.close()
  }
}

describe('bitmind register on both runtime kinds', () => {
  it('--pow registers by proof of work where the devnet enables it, burning nothing', async () => {
    const before = await balanceOn(powNet)
    const r = await runCli(['register', ...args(powNet), '--pow', '--pow.workers', '1', '--json'])
    expect({code: r.code, stderr: r.code === 0 ? '' : r.stderr}).toEqual({code: 0, stderr: ''})
    expect(JSON.parse(r.stdout)).toMatchObject({uid: 0, hotkey, alreadyRegistered: false, method: 'pow'})
    expect(await balanceOn(powNet)).toBe(before)
  }, 90_000)

  it('on a runtime without PoW, --pow is refused with the way out, and register burns', async () => {
    const refused = await runCli(['register', ...args(burnNet), '--pow'])
    expect(refused.code).not.toBe(0)
    // oclif wraps the error at the terminal width behind ' ›   '
    expect(refused.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toContain('netuid 1 does not allow PoW registration on this runtime: register without --pow (burn 2 TAO)')
    const r = await runCli(['register', ...args(burnNet), '--yes', '--json'])
    expect({code: r.code, stderr: r.code === 0 ? '' : r.stderr}).toEqual({code: 0, stderr: ''})
    expect(JSON.parse(r.stdout)).toMatchObject({uid: 0, hotkey, alreadyRegistered: false, method: 'burn', burn: 2})
    expect(await balanceOn(burnNet)).toBeLessThanOrEqual(48)
  }, 90_000)
})
