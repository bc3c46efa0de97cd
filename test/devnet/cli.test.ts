import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'

import {BIN, ROOT} from '../helpers/cli.js'
import {connect} from './helpers.js'

describe('bitmind devnet (built binary)', () => {
  it('prints the endpoint and accounts, serves @polkadot/api, saves state on SIGINT', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-cli-'))
    const state = path.join(dir, 'chain.json')
    const child = spawn(process.execPath, [BIN, 'devnet', '--port', '0', '--block-time', '0.2', '--state', state], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 90_000)
        const check = () => {
          const m = /listening on (ws:\/\/\S+)/.exec(out)
          if (m && out.includes('Ctrl-C')) {
            clearTimeout(t)
            resolve(m[1]!)
          } else setTimeout(check, 50)
        }
        check()
      })
      expect(out).toMatch(/\/\/Alice\s+5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/)
      expect(out).toContain('--subtensor.chain_endpoint')
      expect(out).not.toContain('REGISTRY:') // the runtime's transaction extensions are declared (src/devnet/metadata.ts)
      const api = await connect(url)
      const head = (await api.rpc.chain.getHeader()).number.toNumber()
      await new Promise((r) => setTimeout(r, 500))
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBeGreaterThan(head)
      await api.disconnect()
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(out).toMatch(/devnet stopped at block #\d+/)
    const saved = JSON.parse(fs.readFileSync(state, 'utf8')) as {format: string; head: {number: number}}
    expect(saved.format).toBe('bitmind-devnet-state/1')
    expect(saved.head.number).toBeGreaterThan(0)
    fs.rmSync(dir, {recursive: true, force: true})
  }, 120_000)
})
