import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from '@jest/globals'

import {ROOT, runCli} from '../helpers/cli.js'

// What `bitmind --help` lists comes from the manifest `npm run build` writes: each command's summary, or else the
// first line of its description. Either must be a whole sentence, not a line cut mid-sentence.
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {summary?: string; description?: string; flags: Record<string, unknown>}>
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-help-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

describe('help texts', () => {
  it.each(Object.keys(manifest.commands).sort())('%s: the listed summary is a whole sentence', (id) => {
    const c = manifest.commands[id]!
    const shown = c.summary ?? c.description?.split('\n')[0] ?? ''
    expect(shown.length).toBeGreaterThan(10)
    expect(shown).not.toMatch(/[,;:(\-–]\s*$/)
    // without a summary the list shows the description's first line: that line must be its whole first paragraph
    if (!c.summary) expect(c.description!.split('\n')[1] ?? '').toBe('')
  })

  it('regen-coldkey offers no --wallet.hotkey (a coldkey has none)', () => {
    expect(Object.keys(manifest.commands['wallet:regen-coldkey']!.flags)).not.toContain('wallet.hotkey')
    expect(Object.keys(manifest.commands['wallet:regen-coldkey']!.flags)).toContain('wallet.name')
  })

  it('demo --help promises what the demo takes', () => {
    expect(manifest.commands.demo!.description).not.toMatch(/minute/)
    expect(manifest.commands.demo!.description).toMatch(/about 15 seconds/)
  })

  it('a wallet that does not exist: the error suggests `bitmind wallet create`, not new-hotkey', async () => {
    const [show, stake] = await Promise.all([
      runCli(['wallet', 'show', '--wallet.name', 'ghost', '--wallet.path', tmp]),
      runCli(['stake', 'add', '--amount', '1', '--wallet.name', 'ghost', '--wallet.path', tmp, '--subtensor.chain_endpoint', 'ws://127.0.0.1:1']),
    ])
    for (const r of [show, stake]) {
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`bitmind wallet create --wallet.name ghost --wallet.path ${tmp}`)
      expect(r.stderr).not.toContain('new-hotkey')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})
