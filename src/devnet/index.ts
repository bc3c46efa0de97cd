import fs from 'node:fs'

import writeFileAtomic from 'write-file-atomic'
import {z} from 'zod'

import {devKeyring, resolveAccount} from './accounts.js'
import {mint} from './balances.js'
import {Chain, type RuntimeModule} from './chain.js'
import {taoToRao} from '../chain/rules.js'
import {type Genesis, type GenesisConfig, parseGenesis} from './genesis.js'
import type {TestBeacon} from './drand.js'
import {loadRuntimeMeta} from './metadata.js'
import {RpcServer} from './rpc.js'
import {coreApis, RuntimeApis} from './runtime-api.js'
import {subtensorModule} from './subtensor.js'
import {timelockModule} from './timelock.js'

export type {GenesisConfig} from './genesis.js'
export {DEV_ACCOUNT_URIS, parseGenesis, readGenesisFile} from './genesis.js'
export {DRAND_SCHEME, TestBeacon} from './drand.js'

/** How often a devnet with a state file saves it while blocks are being sealed. */
export const STATE_SAVE_MS = 2000

export interface DevnetOptions {
  /** 0 = a free port (default 9944) */
  port?: number
  host?: string
  /** 0 = seal a block as soon as an extrinsic arrives (plus manual produceBlock()); default 1000 */
  blockTimeMs?: number
  /** state file: loaded when present, written on stop (and every few seconds while running) */
  statePath?: string
  genesis?: GenesisConfig
  /** overrides genesis.powRegistration */
  powRegistration?: boolean
}

export interface Devnet {
  url: string
  port: number
  chain: Chain
  /** dev accounts funded at genesis (SS58) */
  accounts: {account: string; address: string; balance: number}[]
  /** the devnet's drand test beacon: encrypt with `encryptForRound(round, payload, drand.info)` (src/chain/timelock) */
  drand: TestBeacon
  /** JSON-RPC requests received so far, by method */
  rpcCalls: ReadonlyMap<string, number>
  produceBlock(): Promise<void>
  /** produce `n` blocks (waiting for timelock decryptions between blocks) */
  advance(n: number): Promise<void>
  saveState(): Promise<void>
  stop(): Promise<void>
}

const stateFileSchema = z.object({
  format: z.literal('bitmind-devnet-state/1'),
  genesisHash: z.string(),
  head: z.object({number: z.number().int().nonnegative(), header: z.string(), parentHeader: z.string().optional()}),
  timestamp: z.number(),
  genesis: z.unknown(),
  storage: z.array(z.tuple([z.string().regex(/^0x[0-9a-f]*$/), z.string().regex(/^0x[0-9a-f]*$/)])),
})

function applyGenesis(chain: Chain, g: Genesis, modules: {genesis?(chain: Chain, g: Genesis): void}[]): void {
  const st = chain.st
  for (const a of g.accounts) mint(st, resolveAccount(a.account), taoToRao(a.balance))
  for (const m of modules) m.genesis?.(chain, g)
}

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  await devKeyring()
  const meta = loadRuntimeMeta()
  const blockTimeMs = opts.blockTimeMs ?? 1000
  let saved: z.infer<typeof stateFileSchema> | undefined
  if (opts.statePath && fs.existsSync(opts.statePath)) {
    let json: unknown
    try {
      json = JSON.parse(fs.readFileSync(opts.statePath, 'utf8'))
    } catch (e) {
      throw new Error(`devnet state ${opts.statePath} is not readable JSON (${(e as Error).message}); move it away to start a fresh chain`)
    }
    const r = stateFileSchema.safeParse(json)
    if (!r.success) throw new Error(`devnet state ${opts.statePath} is not a bitmind devnet state file`)
    saved = r.data
  }
  const genesis = parseGenesis(saved?.genesis ?? opts.genesis ?? {})
  if (opts.powRegistration !== undefined) genesis.powRegistration = opts.powRegistration
  const timelock = timelockModule(genesis)
  const subtensor = subtensorModule(genesis, {beforeEpoch: (ctx, netuid) => timelock.revealDue(ctx, netuid)})
  const modules: RuntimeModule[] = [timelock, subtensor]
  const chain = new Chain(meta, modules, new Map(saved?.storage ?? []), Math.max(blockTimeMs, 1))
  if (saved) {
    chain.restoreHead(saved.head.number, saved.head.header, saved.genesisHash, saved.timestamp, saved.head.parentHeader)
  } else {
    applyGenesis(chain, genesis, [timelock, subtensor])
    chain.sealGenesis(Date.now())
  }
  const apis = new RuntimeApis(chain)
  coreApis(apis)
  subtensor.runtimeApis?.(apis)

  const rpc = new RpcServer(chain, apis, {name: 'bitmind-devnet', version: '0.1.0', chain: 'Bittensor devnet'})
  const host = opts.host ?? '127.0.0.1'
  const port = await rpc.listen(opts.port ?? 9944, host)

  let timer: NodeJS.Timeout | undefined
  let instantQueued = false
  let savedHead = chain.head.number
  const save = async () => {
    if (!opts.statePath) return
    const head = chain.head
    savedHead = head.number
    const body = {
      format: 'bitmind-devnet-state/1',
      genesisHash: chain.genesis,
      head: {number: head.number, header: head.header.toHex(), parentHeader: chain.blockByHash(head.header.parentHash.toHex())?.header.toHex()},
      timestamp: Number(chain.st.num('timestamp', 'now')),
      genesis,
      storage: [...chain.st.map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    }
    // write-file-atomic: temp file, fsync, rename (a kill mid-save leaves the previous state whole)
    await writeFileAtomic(opts.statePath, JSON.stringify(body))
  }
  // a SIGKILL loses at most the blocks sealed since the last of these saves (STATE_SAVE_MS)
  const saver = opts.statePath
    ? setInterval(() => {
      if (chain.head.number !== savedHead) save().catch((e: Error) => console.error(`devnet: saving state failed: ${e.message}`))
    }, STATE_SAVE_MS)
    : undefined
  saver?.unref()
  const produce = () => {
    try {
      chain.produceBlock()
    } catch (e) {
      // a bug in a pallet must not take the node down: report it, the block is not sealed
      console.error(`devnet: block production failed: ${(e as Error).stack ?? e}`)
      return
    }
  }
  if (blockTimeMs > 0) {
    timer = setInterval(produce, blockTimeMs)
  } else {
    // instant sealing: one block for whatever arrived in this turn of the event loop
    const origSubmit = chain.submit.bind(chain)
    chain.submit = (hex, watcher) => {
      const hash = origSubmit(hex, watcher)
      if (!instantQueued) {
        instantQueued = true
        setImmediate(() => {
          instantQueued = false
          if (chain.pendingCount > 0) produce()
        })
      }
      return hash
    }
  }
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url,
    port,
    chain,
    accounts: genesis.accounts.map((a) => ({account: a.account, address: resolveAccount(a.account), balance: a.balance})),
    drand: timelock.beacon(chain.st),
    rpcCalls: rpc.calls,
    async produceBlock() {
      produce()
    },
    async advance(n: number) {
      for (let i = 0; i < n; i++) produce()
    },
    saveState: save,
    async stop() {
      if (timer) clearInterval(timer)
      clearInterval(saver)
      chain.close()
      await rpc.close()
      await save()
    },
  }
}
