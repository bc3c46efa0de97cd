import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'
import {Parser, type Command} from '@oclif/core'

import {openChallengeData} from '../../src/validator/data.js'
import {ROOT} from '../helpers/cli.js'

// pm2's process file, loaded as pm2 loads it (CommonJS), every entry's argv parsed against its command's own flag
// definitions (strict: an unknown or malformed flag fails), and what the neuron checks first at start-up checked
// too (the model file, the challenge data), without starting a neuron.
interface App {
  name: string
  script: string
  args: string[] | string
  env?: Record<string, string>
}
const apps = (createRequire(import.meta.url)(path.join(ROOT, 'ecosystem.config.cjs')) as {apps: App[]}).apps

describe('ecosystem.config.cjs', () => {
  it('has the miner and the validator', () => {
    expect(apps.map((a) => a.name).sort()).toEqual(['bitmind-miner', 'bitmind-validator'])
  })

  it.each(apps.map((a) => [a.name, a] as const))('%s starts as written: script, flags and inputs', async (_name, app) => {
    expect(app.script).toBe(path.join(ROOT, 'bin', 'run.js'))
    expect(existsSync(app.script)).toBe(true)
    expect(Array.isArray(app.args)).toBe(true)
    const [id, ...argv] = app.args as string[]
    const mod = (await import(`../../src/commands/${id}.js`)) as {default: typeof Command}
    const cmd = mod.default
    const {flags} = await Parser.parse(argv, {flags: cmd.flags, args: cmd.args ?? {}, strict: true})
    const f = flags as Record<string, unknown>
    expect(f.netuid).toEqual(expect.any(Number))
    expect(['finney', 'test']).toContain(f['subtensor.network'])
    if (id === 'mine') {
      expect(existsSync(String(f['neuron.model_path']))).toBe(true)
    } else {
      expect(id).toBe('validate')
      // what `bitmind validate` opens before it connects: refuses a run without challenge data
      const data = await openChallengeData({
        real: (f['data.real_dir'] as string[] | undefined) ?? [],
        fake: (f['data.synthetic_dir'] as string[] | undefined) ?? [],
        corpus: f['data.corpus'] as string | undefined,
        esrgan: Boolean(f['data.esrgan']),
      })
      expect(data.realPools.length + data.fakePools.length + data.fakeSources.length).toBeGreaterThan(0)
      expect(data.fakePools.length + data.fakeSources.length).toBeGreaterThan(0)
      await data.dispose()
    }
  }, 60_000)

  it('an entry with a bad flag would be caught', async () => {
    const cmd = ((await import('../../src/commands/validate.js')) as {default: typeof Command}).default
    await expect(Parser.parse(['--netuid', '34', '--data.real-dir', 'x'], {flags: cmd.flags, args: {}, strict: true})).rejects.toThrow(/Nonexistent flag/)
  })
})
