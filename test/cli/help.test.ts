import {describe, expect, it} from '@jest/globals'

import {runCli} from '../helpers/cli.js'

describe('bitmind --help', () => {
  it('lists the neuron and detector commands', async () => {
    const r = await runCli(['--help'])
    expect(r.code).toBe(0)
    for (const cmd of ['register', 'mine', 'validate', 'download-data', 'train', 'eval', 'predict']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\s`, 'm'))
    }
  })
})
