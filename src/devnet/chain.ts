import type {Header} from '@polkadot/types/interfaces'
import type {Extrinsic} from '@polkadot/types/interfaces/extrinsics'
import {u8aConcat, u8aToHex} from '@polkadot/util'
import {blake2AsHex, blake2AsU8a} from '@polkadot/util-crypto'

import {balancesCalls, burn, readAccount, writeAccount} from './balances.js'
import {type CallArgs, type CallHandler, type DispatchContext, DispatchFailure, InvalidTransaction} from './dispatch.js'
import {type DevEvent, EventCodec, type Phase} from './events.js'
import type {RuntimeMeta} from './metadata.js'
import {Storage} from './storage.js'
import {callKey, feeOf, validateSigned} from './tx-validation.js'

export {BASE_FEE, BYTE_FEE, feeFor} from './tx-validation.js'

export interface Block {
  number: number
  hash: string
  header: Header
  /** SCALE hex of each extrinsic, inherent first */
  extrinsics: string[]
  /** state after the block */
  state: Map<string, string>
}

interface Pending {
  hex: string
  hash: string
  signer: string
  nonce: number
  ex: Extrinsic
}

export type ExtrinsicStatus =
  | {kind: 'ready'}
  | {kind: 'inBlock'; block: string}
  | {kind: 'finalized'; block: string}
  | {kind: 'invalid'; reason: string}

/** Hooks a pallet module plugs into block production. */
export interface RuntimeModule {
  calls: Record<string, CallHandler>
  /** runs at the start of each block (before extrinsics) */
  onInitialize?(ctx: Omit<DispatchContext, 'signer'>): void
  /** runs after the block's extrinsics (epochs) */
  onFinalize?(ctx: Omit<DispatchContext, 'signer'>): void
}

/** Blocks kept with their full state (older blocks keep their header but no state). */
const STATE_HISTORY = 512

/**
 * The devnet's chain: a state (storage map), a block list, a transaction pool and block production that
 * decodes, verifies and dispatches extrinsics with the runtime's metadata.
 */
export class Chain {
  readonly st: Storage
  readonly codec: EventCodec
  readonly blocks: Block[] = []
  private readonly byHash = new Map<string, Block>()
  private readonly pool: Pending[] = []
  private readonly calls: Record<string, CallHandler>
  private readonly watchers = new Map<string, ((s: ExtrinsicStatus) => void)[]>()
  private readonly blockListeners: ((b: Block) => void)[] = []
  /** timestamp (ms) of the next block; blocks advance it by `slotMs` at least */
  private lastTimestamp = 0

  constructor(
    readonly meta: RuntimeMeta,
    private readonly modules: RuntimeModule[],
    state: Map<string, string>,
    private readonly slotMs: number,
  ) {
    this.st = new Storage(meta.registry, meta.decorated, state)
    this.codec = new EventCodec(meta.registry)
    this.calls = {...balancesCalls}
    for (const m of modules) Object.assign(this.calls, m.calls)
  }

  get registry() {
    return this.meta.registry
  }

  get head(): Block {
    const b = this.blocks[this.blocks.length - 1]
    if (!b) throw new Error('chain has no genesis block')
    return b
  }

  get genesisHash(): string {
    return this.genesis
  }

  blockByHash(hash: string): Block | undefined {
    return this.byHash.get(hash.toLowerCase())
  }

  blockByNumber(n: number): Block | undefined {
    const first = this.blocks[0]?.number ?? 0
    return this.blocks[n - first]
  }

  /** State at a block (head when omitted); throws for a block whose state is no longer kept. */
  stateAt(hash?: string | null): Map<string, string> {
    if (!hash) return this.st.map
    const b = this.blockByHash(hash)
    if (!b) throw new Error(`unknown block ${hash}`)
    if (b === this.head) return this.st.map
    if (b.state.size === 0 && b.number !== 0) throw new Error(`state of block ${b.number} is no longer kept`)
    return b.state
  }

  onBlock(fn: (b: Block) => void): () => void {
    this.blockListeners.push(fn)
    return () => {
      const i = this.blockListeners.indexOf(fn)
      if (i >= 0) this.blockListeners.splice(i, 1)
    }
  }

  /** Seal genesis (block 0) over the current state. */
  sealGenesis(timestamp: number): void {
    this.lastTimestamp = timestamp
    this.st.set('timestamp', 'now', [], timestamp)
    this.seal(0, '0x' + '00'.repeat(32), [], [])
  }

  /**
   * Restore a chain persisted by `exportState` (head block only; history starts there). The head's parent header,
   * when saved, is kept without state: clients sign against the best block's parent (@polkadot/api's signingInfo).
   */
  restoreHead(number: number, headerHex: string, genesisHash: string, timestamp: number, parentHeaderHex?: string): void {
    const header = this.registry.createType<Header>('Header', headerHex)
    const block: Block = {number, hash: header.hash.toHex(), header, extrinsics: [], state: this.st.snapshot()}
    this.genesisOverride = genesisHash
    this.lastTimestamp = timestamp
    if (parentHeaderHex !== undefined && number > 0) {
      const ph = this.registry.createType<Header>('Header', parentHeaderHex)
      const parent: Block = {number: number - 1, hash: ph.hash.toHex(), header: ph, extrinsics: [], state: new Map()}
      this.blocks.push(parent)
      this.byHash.set(parent.hash, parent)
    }
    this.blocks.push(block)
    this.byHash.set(block.hash, block)
  }

  private genesisOverride: string | undefined
  private readonly timers = new Set<NodeJS.Timeout>()

  /** Stop pending notifications (finality timers). */
  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.watchers.clear()
  }

  get genesis(): string {
    return this.genesisOverride ?? this.blocks[0]!.hash
  }

  nextIndex(address: string): number {
    const onChain = readAccount(this.st, address).nonce
    const pooled = this.pool.filter((p) => p.signer === address).map((p) => p.nonce)
    return pooled.length ? Math.max(onChain, ...pooled.map((n) => n + 1)) : onChain
  }

  decode(hex: string): Extrinsic {
    try {
      return this.registry.createType('Extrinsic', hex)
    } catch (e) {
      throw new InvalidTransaction(`could not decode the extrinsic: ${(e as Error).message}`)
    }
  }

  /** Validate and pool an extrinsic; returns its hash. */
  submit(hex: string, watcher?: (s: ExtrinsicStatus) => void): string {
    const ex = this.decode(hex)
    const hash = blake2AsHex(ex.toU8a())
    const {signer, nonce} = this.validate(ex, true)
    if (this.pool.some((p) => p.hash === hash)) throw new InvalidTransaction('Transaction Already Imported')
    this.pool.push({hex, hash, signer, nonce, ex})
    if (watcher) {
      this.watchers.set(hash, [...(this.watchers.get(hash) ?? []), watcher])
      watcher({kind: 'ready'})
    }
    return hash
  }

  unwatch(hash: string, watcher: (s: ExtrinsicStatus) => void): void {
    const list = this.watchers.get(hash)?.filter((w) => w !== watcher)
    if (list?.length) this.watchers.set(hash, list)
    else this.watchers.delete(hash)
  }

  get pendingCount(): number {
    return this.pool.length
  }

  feeOf(ex: Extrinsic): bigint {
    return feeOf(ex)
  }

  private callKey(ex: Extrinsic): string {
    return callKey(ex)
  }

  /** Checks of the signed extensions (tx-validation.ts); `pooling` allows nonces ahead of state. */
  private validate(ex: Extrinsic, pooling: boolean): {signer: string; nonce: number} {
    return validateSigned(this, ex, pooling)
  }

  /** Whether a call is dispatched here (`section.method`). */
  hasCall(key: string): boolean {
    return this.calls[key] !== undefined
  }

  /** Fee and class of an extrinsic, for payment_queryInfo / TransactionPaymentApi_query_info. */
  queryInfo(hex: string): {weight: {refTime: number; proofSize: number}; class: string; partialFee: bigint} {
    const ex = this.decode(hex)
    return {weight: {refTime: 100_000_000, proofSize: 4096}, class: 'Normal', partialFee: this.feeOf(ex)}
  }

  private context(block: number, events: DevEvent[], phase: () => Phase, signer: string): DispatchContext {
    return {
      st: this.st,
      codec: this.codec,
      block,
      signer,
      blockHash: (n) => this.blockByNumber(n)?.hash,
      emit: (section, method, fields) => events.push({phase: phase(), ...this.codec.event(section, method, fields)}),
    }
  }

  /** Build, execute and seal the next block with everything in the pool. */
  produceBlock(now = Date.now()): Block {
    const before = this.st.snapshot()
    const pooled = [...this.pool]
    const lastTimestamp = this.lastTimestamp
    try {
      return this.buildBlock(now)
    } catch (e) {
      // leave the chain as it was: state, pool and clock
      this.st.map.clear()
      for (const [k, v] of before) this.st.map.set(k, v)
      this.pool.splice(0, this.pool.length, ...pooled)
      this.lastTimestamp = lastTimestamp
      throw e
    }
  }

  private buildBlock(now: number): Block {
    const parent = this.head
    const number = parent.number + 1
    const events: DevEvent[] = []
    let phase: Phase = 'initialization'
    const hookCtx = this.context(number, events, () => phase, '')
    this.st.set('system', 'number', [], number)
    this.st.set('system', 'parentHash', [], parent.hash)
    this.st.set('system', 'blockHash', [parent.number], parent.hash)
    this.lastTimestamp = Math.max(now, this.lastTimestamp + 1)
    this.st.set('timestamp', 'now', [], this.lastTimestamp)
    for (const m of this.modules) m.onInitialize?.(hookCtx)

    const extrinsics: string[] = []
    // inherent: timestamp.set(now), as every Substrate block carries
    const inherent = this.registry.createType(
      'Extrinsic',
      this.registry.createType('Call', {callIndex: this.callIndex('timestamp', 'set'), args: {now: this.lastTimestamp}}),
    )
    extrinsics.push(inherent.toHex())
    phase = {applyExtrinsic: 0}
    events.push({phase, ...this.codec.event('System', 'ExtrinsicSuccess', [this.dispatchInfo('Mandatory', 'No')])})

    const included: string[] = []
    const txs = this.pool.splice(0, this.pool.length).sort((a, b) => (a.signer === b.signer ? a.nonce - b.nonce : 0))
    for (const tx of txs) {
      try {
        this.validate(tx.ex, false)
      } catch (e) {
        this.notify(tx.hash, {kind: 'invalid', reason: (e as Error).message})
        continue
      }
      const index = extrinsics.length
      phase = {applyExtrinsic: index}
      extrinsics.push(tx.hex)
      included.push(tx.hash)
      this.applySigned(tx, number, events, () => phase)
    }
    phase = 'finalization'
    for (const m of this.modules) m.onFinalize?.(hookCtx)

    this.st.map.set(this.st.key('system', 'events'), u8aToHex(this.codec.records(events)))
    this.st.set('system', 'eventCount', [], events.length)
    const block = this.seal(number, parent.hash, extrinsics, included)
    return block
  }

  private callIndex(section: string, method: string): Uint8Array {
    const fn = this.meta.decorated.tx[section]?.[method]
    if (!fn) throw new Error(`call ${section}.${method} is not in the metadata`)
    return fn.callIndex
  }

  private dispatchInfo(cls: string, paysFee: string): unknown {
    return {weight: {refTime: 100_000_000, proofSize: 4096}, class: cls, paysFee}
  }

  private applySigned(tx: Pending, number: number, events: DevEvent[], phase: () => Phase): void {
    const signer = tx.signer
    const fee = this.feeOf(tx.ex)
    const pays = fee > 0n ? 'Yes' : 'No'
    const acct = readAccount(this.st, signer)
    acct.nonce += 1
    writeAccount(this.st, signer, acct)
    const ctx = this.context(number, events, phase, signer)
    if (fee > 0n) {
      burn(this.st, signer, fee)
      ctx.emit('Balances', 'Withdraw', [signer, fee])
    }
    const before = this.st.snapshot()
    const mark = events.length
    const m = tx.ex.method
    const args: CallArgs = Object.fromEntries(m.meta.args.map((a, i) => [a.name.toString(), m.args[i]!]))
    try {
      this.calls[this.callKey(tx.ex)]!(ctx, args)
      ctx.emit('TransactionPayment', 'TransactionFeePaid', [signer, fee, 0n])
      ctx.emit('System', 'ExtrinsicSuccess', [this.dispatchInfo('Normal', pays)])
    } catch (e) {
      // roll back the call's writes and events; the fee and nonce stay
      this.st.map.clear()
      for (const [k, v] of before) this.st.map.set(k, v)
      events.splice(mark)
      const err = e instanceof DispatchFailure ? e.dispatchError : {Other: null}
      if (!(e instanceof DispatchFailure)) {
        // an unexpected failure inside the devnet: surface it on the console rather than hide it
        console.error(`devnet: ${this.callKey(tx.ex)} failed: ${(e as Error).stack ?? e}`)
      }
      ctx.emit('TransactionPayment', 'TransactionFeePaid', [signer, fee, 0n])
      ctx.emit('System', 'ExtrinsicFailed', [err, this.dispatchInfo('Normal', pays)])
    }
  }

  private seal(number: number, parentHash: string, extrinsics: string[], included: string[]): Block {
    const sorted = [...this.st.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const stateRoot = blake2AsU8a(u8aConcat(...sorted.flatMap(([k, v]) => [k, v].map((x) => Buffer.from(x.slice(2), 'hex')))))
    const extrinsicsRoot = blake2AsU8a(u8aConcat(...extrinsics.map((x) => Buffer.from(x.slice(2), 'hex'))))
    const header = this.registry.createType<Header>('Header', {parentHash, number, stateRoot, extrinsicsRoot, digest: {logs: []}})
    const block: Block = {number, hash: header.hash.toHex(), header, extrinsics, state: this.st.snapshot()}
    this.blocks.push(block)
    this.byHash.set(block.hash, block)
    const drop = this.blocks.length - STATE_HISTORY
    if (drop > 0) this.blocks[drop - 1]!.state = new Map()
    for (const hash of included) this.notify(hash, {kind: 'inBlock', block: block.hash})
    // finality follows inclusion (single authority) a moment later, so clients see both statuses as on a real node
    for (const fn of [...this.blockListeners]) fn(block)
    if (included.length === 0) return block
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      for (const hash of included) {
        this.notify(hash, {kind: 'finalized', block: block.hash})
        this.watchers.delete(hash)
      }
    }, 500)
    this.timers.add(timer)
    return block
  }

  private notify(hash: string, s: ExtrinsicStatus): void {
    for (const w of this.watchers.get(hash) ?? []) w(s)
    if (s.kind === 'invalid') this.watchers.delete(hash)
  }
}
