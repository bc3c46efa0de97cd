import type {AddressInfo} from 'node:net'

import {WebSocketServer, type WebSocket} from 'ws'
import {z} from 'zod'

import type {Block, Chain, ExtrinsicStatus} from './chain.js'
import {InvalidTransaction} from './dispatch.js'
import type {RuntimeApis} from './runtime-api.js'

const requestSchema = z.object({
  jsonrpc: z.literal('2.0').optional(),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  method: z.string(),
  params: z.array(z.unknown()).optional().default([]),
})

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

type Params = unknown[]
type Handler = (params: Params, conn: Connection) => unknown

interface Connection {
  ws: WebSocket
  subs: Map<string, () => void>
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new RpcError(-32602, `invalid params: ${what} must be a string`)
  return v
}
const optHash = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * Substrate JSON-RPC over WebSocket for a devnet chain: the methods `@polkadot/api` uses, subscriptions included.
 */
export class RpcServer {
  private wss: WebSocketServer | undefined
  private nextSub = 1
  private readonly handlers: Record<string, Handler>
  private readonly conns = new Set<Connection>()
  /** requests answered, by method (what clients cost the node; tests count chain reads with it) */
  readonly calls = new Map<string, number>()

  constructor(
    private readonly chain: Chain,
    private readonly apis: RuntimeApis,
    private readonly info: {name: string; version: string; chain: string},
  ) {
    this.handlers = this.buildHandlers()
  }

  async listen(port: number, host: string): Promise<number> {
    const wss = new WebSocketServer({port, host})
    this.wss = wss
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', () => resolve())
      wss.once('error', reject)
    })
    wss.on('connection', (ws) => this.accept(ws))
    return (wss.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    for (const c of this.conns) {
      for (const stop of c.subs.values()) stop()
      c.ws.terminate()
    }
    this.conns.clear()
    const wss = this.wss
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()))
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = {ws, subs: new Map()}
    this.conns.add(conn)
    ws.on('message', (data) => {
      let raw: unknown
      try {
        raw = JSON.parse(data.toString())
      } catch {
        this.send(conn, {jsonrpc: '2.0', id: null, error: {code: -32700, message: 'Parse error'}})
        return
      }
      const reqs = Array.isArray(raw) ? raw : [raw]
      const replies = reqs.map((r) => this.handle(r, conn))
      this.send(conn, Array.isArray(raw) ? replies : replies[0])
    })
    ws.on('close', () => {
      for (const stop of conn.subs.values()) stop()
      this.conns.delete(conn)
    })
    ws.on('error', () => ws.terminate())
  }

  private send(conn: Connection, msg: unknown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg))
  }

  private handle(raw: unknown, conn: Connection): unknown {
    const parsed = requestSchema.safeParse(raw)
    if (!parsed.success) return {jsonrpc: '2.0', id: null, error: {code: -32600, message: 'Invalid Request'}}
    const {id, method, params} = parsed.data
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
    const fn = this.handlers[method]
    if (!fn) return {jsonrpc: '2.0', id, error: {code: -32601, message: `Method not found: ${method}`}}
    try {
      return {jsonrpc: '2.0', id, result: fn(params, conn) ?? null}
    } catch (e) {
      if (e instanceof InvalidTransaction) {
        return {jsonrpc: '2.0', id, error: {code: 1010, message: 'Invalid Transaction', data: e.data}}
      }
      if (e instanceof RpcError) return {jsonrpc: '2.0', id, error: {code: e.code, message: e.message, data: e.data}}
      return {jsonrpc: '2.0', id, error: {code: 4003, message: (e as Error).message}}
    }
  }

  private subscribe(conn: Connection, method: string, start: (emit: (result: unknown) => void) => () => void): string {
    const id = String(this.nextSub++)
    const emit = (result: unknown) => this.send(conn, {jsonrpc: '2.0', method, params: {subscription: id, result}})
    // notifications go out after the reply carrying the subscription id
    let stop: () => void = () => {}
    conn.subs.set(id, () => stop())
    setImmediate(() => {
      if (conn.subs.has(id)) stop = start(emit)
    })
    return id
  }

  private unsubscribe(conn: Connection, id: unknown): boolean {
    const key = String(id)
    const stop = conn.subs.get(key)
    if (!stop) return false
    stop()
    conn.subs.delete(key)
    return true
  }

  private headerJson(b: Block): unknown {
    const h = b.header
    return {
      parentHash: h.parentHash.toHex(),
      number: '0x' + b.number.toString(16),
      stateRoot: h.stateRoot.toHex(),
      extrinsicsRoot: h.extrinsicsRoot.toHex(),
      digest: {logs: h.digest.logs.map((l) => l.toHex())},
    }
  }

  private block(hash: unknown): Block {
    const h = optHash(hash)
    if (!h) return this.chain.head
    const b = this.chain.blockByHash(h)
    if (!b) throw new RpcError(4003, `unknown block ${h}`)
    return b
  }

  private storageAt(key: string, at: unknown): string | null {
    return this.chain.stateAt(optHash(at)).get(key.toLowerCase()) ?? null
  }

  private buildHandlers(): Record<string, Handler> {
    const chain = this.chain
    const heads = (method: string) => (_p: Params, conn: Connection) =>
      this.subscribe(conn, method, (emit) => {
        emit(this.headerJson(chain.head))
        return chain.onBlock((b) => emit(this.headerJson(b)))
      })
    const h: Record<string, Handler> = {
      system_chain: () => this.info.chain,
      system_name: () => this.info.name,
      system_version: () => this.info.version,
      system_chainType: () => 'Development',
      system_properties: () => ({ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO'}),
      system_health: () => ({peers: 0, isSyncing: false, shouldHavePeers: false}),
      system_peers: () => [],
      system_localPeerId: () => '12D3KooWBitmindDevnet',
      system_accountNextIndex: ([who]) => chain.nextIndex(str(who, 'account')),
      chain_getBlockHash: ([n]) => {
        if (n === undefined || n === null) return chain.head.hash
        const num = typeof n === 'string' ? Number.parseInt(n, n.startsWith('0x') ? 16 : 10) : Number(n)
        if (num === 0) return chain.genesis
        return chain.blockByNumber(num)?.hash ?? null
      },
      chain_getHeader: ([hash]) => this.headerJson(this.block(hash)),
      chain_getBlock: ([hash]) => {
        const b = this.block(hash)
        return {block: {header: this.headerJson(b), extrinsics: b.extrinsics}, justifications: null}
      },
      chain_getFinalizedHead: () => chain.head.hash,
      chain_subscribeNewHeads: heads('chain_newHead'),
      chain_subscribeFinalizedHeads: heads('chain_finalizedHead'),
      chain_subscribeAllHeads: heads('chain_allHead'),
      chain_unsubscribeNewHeads: ([id], c) => this.unsubscribe(c, id),
      chain_unsubscribeFinalizedHeads: ([id], c) => this.unsubscribe(c, id),
      chain_unsubscribeAllHeads: ([id], c) => this.unsubscribe(c, id),
      state_getMetadata: () => chain.meta.v14Hex,
      state_getRuntimeVersion: () => chain.meta.runtimeVersion,
      chain_getRuntimeVersion: () => chain.meta.runtimeVersion,
      state_subscribeRuntimeVersion: (_p, conn) =>
        this.subscribe(conn, 'state_runtimeVersion', (emit) => {
          emit(chain.meta.runtimeVersion)
          return () => {}
        }),
      state_unsubscribeRuntimeVersion: ([id], c) => this.unsubscribe(c, id),
      state_getStorage: ([key, at]) => this.storageAt(str(key, 'key'), at),
      state_getStorageAt: ([key, at]) => this.storageAt(str(key, 'key'), at),
      state_getStorageSize: ([key, at]) => {
        const v = this.storageAt(str(key, 'key'), at)
        return v === null ? null : (v.length - 2) / 2
      },
      state_getKeysPaged: ([prefix, count, startKey, at]) => {
        const p = (optHash(prefix) ?? '0x').toLowerCase()
        const start = optHash(startKey)?.toLowerCase()
        const keys = [...chain.stateAt(optHash(at)).keys()].filter((k) => k.startsWith(p)).sort()
        const after = start ? keys.filter((k) => k > start) : keys
        return after.slice(0, Math.min(Number(count ?? 1000), 1000))
      },
      state_getKeys: ([prefix, at]) => {
        const p = (optHash(prefix) ?? '0x').toLowerCase()
        return [...chain.stateAt(optHash(at)).keys()].filter((k) => k.startsWith(p)).sort()
      },
      state_queryStorageAt: ([keys, at]) => {
        const b = this.block(at)
        const state = chain.stateAt(b.hash)
        const list = Array.isArray(keys) ? keys.map((k) => str(k, 'key').toLowerCase()) : []
        return [{block: b.hash, changes: list.map((k) => [k, state.get(k) ?? null])}]
      },
      state_subscribeStorage: ([keys], conn) => {
        const list = Array.isArray(keys) ? keys.map((k) => str(k, 'key').toLowerCase()) : undefined
        return this.subscribe(conn, 'state_storage', (emit) => {
          const snapshot = (): Map<string, string | null> => {
            const m = new Map<string, string | null>()
            const state = chain.st.map
            for (const k of list ?? [...state.keys()]) m.set(k, state.get(k) ?? null)
            return m
          }
          let last = snapshot()
          emit({block: chain.head.hash, changes: [...last.entries()]})
          return chain.onBlock((b) => {
            const now = snapshot()
            const changes = [...now.entries()].filter(([k, v]) => last.get(k) !== v)
            last = now
            if (changes.length) emit({block: b.hash, changes})
          })
        })
      },
      state_unsubscribeStorage: ([id], c) => this.unsubscribe(c, id),
      state_call: ([method, data]) => this.apis.call(str(method, 'method'), optHash(data) ?? '0x'),
      payment_queryInfo: ([ext]) => {
        const info = chain.queryInfo(str(ext, 'extrinsic'))
        return {
          weight: {ref_time: info.weight.refTime, proof_size: info.weight.proofSize},
          class: 'normal',
          partialFee: info.partialFee.toString(),
        }
      },
      author_submitExtrinsic: ([ext]) => chain.submit(str(ext, 'extrinsic')),
      author_pendingExtrinsics: () => [],
      author_submitAndWatchExtrinsic: ([ext], conn) => {
        const hex = str(ext, 'extrinsic')
        // validate now so that a bad transaction is an error reply, not a subscription
        const statuses: ExtrinsicStatus[] = []
        let forward: ((s: ExtrinsicStatus) => void) | undefined
        const watcher = (s: ExtrinsicStatus) => (forward ? forward(s) : statuses.push(s))
        const hash = chain.submit(hex, watcher)
        return this.subscribe(conn, 'author_extrinsicUpdate', (emit) => {
          forward = (s) => emit(statusJson(s))
          for (const s of statuses.splice(0)) forward(s)
          return () => chain.unwatch(hash, watcher)
        })
      },
      author_unwatchExtrinsic: ([id], c) => this.unsubscribe(c, id),
    }
    // the aliases Substrate nodes also answer to
    h.chain_subscribeNewHead = h.chain_subscribeNewHeads
    h.subscribe_newHead = h.chain_subscribeNewHeads
    h.chain_unsubscribeNewHead = h.chain_unsubscribeNewHeads
    h.unsubscribe_newHead = h.chain_unsubscribeNewHeads
    h.chain_subscribeFinalisedHeads = h.chain_subscribeFinalizedHeads
    h.chain_unsubscribeFinalisedHeads = h.chain_unsubscribeFinalizedHeads
    h.chain_getHead = h.chain_getBlockHash
    h.chain_getFinalisedHead = h.chain_getFinalizedHead
    h.rpc_methods = () => ({version: 1, methods: Object.keys(h).concat('rpc_methods').sort()})
    return h
  }
}

function statusJson(s: ExtrinsicStatus): unknown {
  switch (s.kind) {
    case 'ready':
      return 'ready'
    case 'inBlock':
      return {inBlock: s.block}
    case 'finalized':
      return {finalized: s.block}
    case 'invalid':
      return 'invalid'
  }
}
