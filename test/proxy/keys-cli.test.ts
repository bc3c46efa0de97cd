import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {KeyChecker} from '../../src/proxy/keys.js'
import {runCli} from '../helpers/cli.js'

/** oclif wraps error lines and marks them with › */
const unwrap = (s: string) => s.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-proxy-keys-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

describe('bitmind proxy keys add|list|revoke', () => {
  it('adds keys (printed once, only salted hashes on disk, 0600), lists them, revokes by id or name', async () => {
    const file = path.join(tmp, 'sub', 'keys.json')
    const flag = ['--proxy.keys_file', file]
    const add = await runCli(['proxy', 'keys', 'add', '--name', 'alice', ...flag])
    expect(add.code).toBe(0)
    const key = add.stdout.trim()
    expect(key).toMatch(/^bmk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/)
    const bob = JSON.parse((await runCli(['proxy', 'keys', 'add', '--name', 'bob', '--json', ...flag])).stdout) as {key: string; id: string}
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600)
    const onDisk = await fs.readFile(file, 'utf8')
    for (const k of [key, bob.key]) expect(onDisk).not.toContain(k.slice('bmk_12345678_'.length))

    const checker = new KeyChecker(file)
    expect(await checker.required()).toBe(true)
    expect(await checker.verify(key)).toBe(key.split('_')[1])
    expect(await checker.verify(bob.key)).toBe(bob.id)
    expect(await checker.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()

    const list = await runCli(['proxy', 'keys', 'list', ...flag])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/alice/)
    expect(list.stdout).toMatch(new RegExp(bob.id))
    expect(list.stdout).not.toContain(key)

    expect((await runCli(['proxy', 'keys', 'revoke', 'alice', ...flag])).stdout).toMatch(/^revoked [0-9a-f]{8} \(alice\)/)
    expect(await checker.verify(key)).toBeUndefined()
    const none = await runCli(['proxy', 'keys', 'revoke', 'alice', ...flag])
    expect(none.code).toBe(1)
    expect(unwrap(none.stderr)).toMatch(/no key with id or name "alice"/)
    expect((await runCli(['proxy', 'keys', 'revoke', bob.id, ...flag])).code).toBe(0)
    expect(await checker.required()).toBe(false)
    expect((await runCli(['proxy', 'keys', 'list', ...flag])).stdout).toMatch(/no keys/)

    await fs.writeFile(file, '{"version": 1, "keys": [{"id": "nothex!!"}]}')
    const broken = await runCli(['proxy', 'keys', 'list', ...flag])
    expect(broken.code).toBe(1)
    expect(unwrap(broken.stderr)).toMatch(/is not a proxy keys file/)
  }, 60_000)

  it('bitmind proxy checks --proxy.timeout_s before it connects to a chain', async () => {
    const r = await runCli(['proxy', '--netuid', '1', '--proxy.timeout_s', 'soon'])
    expect(r.code).toBe(1)
    expect(unwrap(r.stderr)).toMatch(/--proxy.timeout_s must be a number of seconds/)
  }, 30_000)
})
