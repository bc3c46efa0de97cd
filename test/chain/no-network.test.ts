import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {promises as fs} from 'node:fs'

import {afterAll, describe, expect, it} from '@jest/globals'

import {runCli} from '../helpers/cli.js'

// Without a chain or a network the commands fail fast and say so in at most two lines: one "retrying" line and one
// error naming the endpoint (chain), or one error suggesting --offline-corpus (a DNS failure is not retried).
// `.invalid` never resolves (RFC 2606), with or without a network.
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-no-network-'))
afterAll(() => fs.rm(tmp, {recursive: true, force: true}))

const lines = (r: {stdout: string; stderr: string}) => (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '')

/** a loopback port nothing listens on: bound, read, closed */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

async function timed(args: string[]) {
  const t0 = Date.now()
  const r = await runCli(args, {timeoutMs: 30_000})
  return {...r, seconds: (Date.now() - t0) / 1000}
}

describe('no chain, no network', () => {
  it('metagraph with no chain at the endpoint: a retry line, then an error naming it, non-zero, within 10 s', async () => {
    const endpoint = `ws://127.0.0.1:${await closedPort()}`
    const r = await timed(['metagraph', '--netuid', '1', '--subtensor.chain_endpoint', endpoint])
    expect(r.code).not.toBe(0)
    expect(r.seconds).toBeLessThan(10)
    const out = lines(r)
    expect(out.length).toBeLessThanOrEqual(2)
    expect(out.at(-1)).toContain(`cannot connect to ${endpoint}: connection refused`)
    expect(out.at(-1)).toContain('bitmind devnet')
  }, 30_000)

  it('metagraph with an endpoint whose host does not resolve: one error at once', async () => {
    const r = await timed(['metagraph', '--netuid', '1', '--subtensor.chain_endpoint', 'ws://subtensor.invalid:9944'])
    expect(r.code).not.toBe(0)
    expect(r.seconds).toBeLessThan(10)
    expect(lines(r)).toEqual([expect.stringMatching(/^Error: cannot connect to ws:\/\/subtensor\.invalid:9944: its host name does not resolve/)])
  }, 30_000)

  it('download-data when the hub does not resolve: fails at once and suggests --offline-corpus', async () => {
    for (const extra of [['--datasets', 'ffhq-256'], ['--list']]) {
      const r = await timed(['download-data', ...extra, '--endpoint', 'https://hub.invalid', '--cache-dir', tmp, '--retries', '5'])
      expect(r.code).not.toBe(0)
      expect(r.seconds).toBeLessThan(10)
      const out = lines(r)
      expect(out.length).toBeLessThanOrEqual(2)
      expect(out.at(-1)).toMatch(/cannot resolve hub\.invalid \((ENOTFOUND|EAI_AGAIN)\): .*bitmind download-data --offline-corpus <dir>/)
    }
  }, 60_000)
})
