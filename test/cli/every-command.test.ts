import {readFileSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'

import {ROOT, runCli} from '../helpers/cli.js'

// README "Commands": every command takes --help and --json. The manifest is what oclif builds help from.
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {flags: Record<string, {type: string}>}>
}

describe('every command', () => {
  it('has a --json flag', () => {
    const ids = Object.keys(manifest.commands)
    expect(ids).toEqual(expect.arrayContaining(['demo', 'devnet', 'mine', 'predict', 'register', 'validate', 'wallet:create']))
    expect(ids.filter((id) => manifest.commands[id]!.flags.json?.type !== 'boolean')).toEqual([])
  })

  it('answers --help with its usage', async () => {
    const r = await runCli(['validate', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/USAGE\s+\$ bitmind validate/)
    expect(r.stdout).toMatch(/--json/)
  })
})
