import {ApiPromise} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'

import {createLogger, type Logger} from '../config/logger.js'
import {settings} from '../config/settings.js'
import {type BlockTimeEstimate, BLOCK_TIME_REFRESH_MS, measureBlockTime} from './block-time.js'
import {CommitStore, type PendingCommit} from './commit-store.js'
import {SUBTENSOR_SIGNED_EXTENSIONS, unknownSignedExtensions} from './extensions.js'
import {probeEndpoint, type ProbeOptions} from './probe.js'
import {balanceOf, type Hyperparameters, type Metagraph, readHyperparameters, readMetagraph, subnetExists, uidOf} from './reads.js'
import {BackoffWsProvider, type ConnectionEvent} from './reconnect.js'
import {burnedRegister, powRegister, type PowRegisterOptions} from './registration.js'
import {commitHash, ipToInt} from './rules.js'
import * as weightCalls from './set-weights.js'
import type {WeightsOutcome} from './set-weights.js'
import {submitExtrinsic, type SubmitResult} from './submit.js'
import {type U16Weights, weightsForEmit} from './weights.js'

export {BLOCK_TIME_REFRESH_MS, BLOCK_TIME_WINDOW, blockTimeFromTimestamps, DEFAULT_BLOCK_TIME_S, type BlockTimeEstimate} from './block-time.js'
export type {PendingCommit} from './commit-store.js'
export type {AxonInfo, Hyperparameters, Metagraph} from './reads.js'
export type {PowRegisterOptions} from './registration.js'
export type {WeightsOutcome, WeightsPath} from './set-weights.js'
export type {SubmitResult} from './submit.js'

/** What the connected runtime offers, read from its metadata (never from a hard-coded era). */
export interface RuntimeFeatures {
  specVersion: number
  timelockedWeights: boolean
  mechanismWeights: boolean
  /** stake from `TotalHotkeyAlpha` (dynamic TAO) or the old `TotalHotkeyStake` */
  stakeSource: 'alpha' | 'totalHotkeyStake'
}

export interface ConnectOptions {
  timeoutMs?: number
  /** seconds per block for reveal-round maths; default: estimated from the chain (SubtensorClient.estimateBlockTime) */
  blockTimeS?: number
  /** folder for commit-reveal salts kept until the reveal (default ~/.bittensor/bitmind/commits) */
  commitDir?: string
  /** where the unknown-transaction-extension warning goes (default: stderr) */
  logger?: Logger
  /** the initial reachability check (probeEndpoint) */
  probe?: ProbeOptions
  /** told once when an established connection drops and once when it is back (reconnects use backoff) */
  onConnectionEvent?: (e: ConnectionEvent) => void
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} within ${ms / 1000}s`)), ms)))])
  } finally {
    clearTimeout(t)
  }
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never

/**
 * One connection to a Subtensor node: a facade over the reads (reads.ts), submission (submit.ts), registration
 * (registration.ts) and weights (set-weights.ts, salts in commit-store.ts).
 */
export class SubtensorClient {
  readonly features: RuntimeFeatures
  private readonly blockTimeS: number | undefined
  private blockTimeCache?: {at: number; estimate: Promise<BlockTimeEstimate>}
  private readonly commits: CommitStore
  /** when this client last dropped a subscription (an extrinsic watch, a heads feed); close() lets it finish */
  private lastUnsubscribeAt = 0

  constructor(
    readonly api: ApiPromise,
    readonly endpoint: string,
    opts: ConnectOptions = {},
  ) {
    const tx = api.tx.subtensorModule!
    const q = api.query.subtensorModule!
    this.features = {
      specVersion: api.runtimeVersion.specVersion.toNumber(),
      timelockedWeights: typeof tx.commitTimelockedWeights === 'function',
      mechanismWeights: typeof tx.setMechanismWeights === 'function',
      stakeSource: typeof q.totalHotkeyAlpha === 'function' ? 'alpha' : 'totalHotkeyStake',
    }
    this.blockTimeS = opts.blockTimeS
    this.commits = new CommitStore(opts.commitDir ?? settings.commitDir)
  }

  async currentBlock(): Promise<number> {
    return (await this.api.rpc.chain.getHeader()).number.toNumber()
  }

  /**
   * How long the chain takes per block: ConnectOptions.blockTimeS when given, else measured from `Timestamp.Now`
   * (block-time.ts). Reused for BLOCK_TIME_REFRESH_MS.
   */
  async estimateBlockTime(): Promise<BlockTimeEstimate> {
    if (this.blockTimeS !== undefined) return {seconds: this.blockTimeS, source: 'option'}
    const now = Date.now()
    if (!this.blockTimeCache || now - this.blockTimeCache.at >= BLOCK_TIME_REFRESH_MS) {
      const estimate = measureBlockTime(this.api, () => this.currentBlock())
      this.blockTimeCache = {at: now, estimate}
    }
    return this.blockTimeCache.estimate
  }

  /** Calls `cb` with each new block number (chain_subscribeAllHeads, which every node serves); returns the unsubscribe. */
  async subscribeBlocks(cb: (block: number) => void): Promise<() => void> {
    let last = -1
    const unsub = await this.api.rpc.chain.subscribeAllHeads((h) => {
      const n = h.number.toNumber()
      if (n > last) {
        last = n
        cb(n)
      }
    })
    return () => {
      unsub()
      this.lastUnsubscribeAt = Date.now()
    }
  }

  hyperparameters(netuid: number): Promise<Hyperparameters> {
    return readHyperparameters(this.api, netuid)
  }

  subnetExists(netuid: number): Promise<boolean> {
    return subnetExists(this.api, netuid)
  }

  uidOf(netuid: number, hotkey: string): Promise<number | undefined> {
    return uidOf(this.api, netuid, hotkey)
  }

  /** Free balance in TAO. */
  balance(address: string): Promise<number> {
    return balanceOf(this.api, address)
  }

  metagraph(netuid: number): Promise<Metagraph> {
    return readMetagraph(this.api, this.endpoint, netuid, this.features.stakeSource, () => this.currentBlock())
  }

  /** Sign, send, wait for inclusion; a DispatchError becomes a ChainCallError with a readable message. */
  submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, ctx: {netuid?: number} = {}, timeoutMs = 120_000): Promise<SubmitResult> {
    return submitExtrinsic(this.api, tx, signer, {netuid: ctx.netuid, timeoutMs, onUnsubscribe: () => (this.lastUnsubscribeAt = Date.now())})
  }

  /** burned_register signed by the coldkey; returns the uid. */
  burnedRegister(coldkey: KeyringPair, hotkey: string, netuid: number): Promise<number> {
    return burnedRegister(this, coldkey, hotkey, netuid)
  }

  /** PoW `register` signed by the hotkey (docs/ARCHITECTURE.md § Chain); returns the uid. */
  powRegister(hotkey: KeyringPair, coldkeyAddress: string, netuid: number, opts: PowRegisterOptions = {}): Promise<number> {
    return powRegister(this, hotkey, coldkeyAddress, netuid, opts)
  }

  /** serve_axon signed by the hotkey (ip as u128 with its type). */
  async serveAxon(hotkey: KeyringPair, netuid: number, axon: {ip: string; port: number; protocol?: number; version?: number}): Promise<void> {
    const {value, ipType} = ipToInt(axon.ip)
    await this.submit(
      this.api.tx.subtensorModule!.serveAxon!(netuid, axon.version ?? 0, value, axon.port, ipType, axon.protocol ?? 4, 0, 0),
      hotkey,
      {netuid},
    )
  }

  /** Blocks until `uid` may set weights again (0 = now), from LastUpdate and the rate limit. */
  blocksUntilWeightsAllowed(netuid: number, uid: number): Promise<number> {
    return weightCalls.blocksUntilWeightsAllowed(this, netuid, uid)
  }

  /**
   * Weights through whatever the subnet and runtime require (set-weights.ts). `weights` are floats; they are turned
   * into u16 as the SDK does (weightsForEmit), once, here.
   */
  setWeights(hotkey: KeyringPair, netuid: number, uids: readonly number[], weights: readonly number[], opts: {versionKey?: number} = {}): Promise<WeightsOutcome> {
    return this.setU16Weights(hotkey, netuid, weightsForEmit(uids, weights), opts)
  }

  /** setWeights for weights already in u16 (weightsForEmit's output, e.g. the validator's): no second conversion. */
  setU16Weights(hotkey: KeyringPair, netuid: number, emit: U16Weights, opts: {versionKey?: number} = {}): Promise<WeightsOutcome> {
    return weightCalls.setU16Weights(this, this.commits, hotkey, netuid, emit, opts)
  }

  /** The SCALE payload the pallet decrypts from a timelocked commit. */
  tlockPayload(hotkey: string, uids: number[], values: number[], versionKey: number): Uint8Array {
    return weightCalls.tlockPayload(this, hotkey, uids, values, versionKey)
  }

  /** commit_timelocked_weights (set-weights.ts): (hotkey, netuid, uids, values, versionKey, hyperparameters?). */
  commitTimelocked(...args: DropFirst<Parameters<typeof weightCalls.commitTimelocked>>): Promise<{revealRound: number; revealBlock: number}> {
    return weightCalls.commitTimelocked(this, ...args)
  }

  /** The commit hash of src/chain/rules.ts (the one the devnet checks reveals with). */
  commitHash(hotkey: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: number): string {
    return commitHash(this.api.registry, hotkey, netuid, uids, values, salt, versionKey)
  }

  /** commit_weights with a random salt; the salt and weights stay on disk (0600) until revealWeights succeeds. */
  commitWeights(hotkey: KeyringPair, netuid: number, uids: number[], values: number[], versionKey: number): Promise<PendingCommit> {
    return weightCalls.commitWeights(this, this.commits, hotkey, netuid, uids, values, versionKey)
  }

  pendingCommit(netuid: number, hotkey: string): PendingCommit | undefined {
    return this.commits.load(netuid, hotkey)
  }

  /** reveal_weights for the commit kept on disk; the file is removed once the reveal is included. */
  revealWeights(hotkey: KeyringPair, netuid: number): Promise<boolean> {
    return weightCalls.revealWeights(this, this.commits, hotkey, netuid)
  }

  /**
   * Disconnects and resolves once @polkadot/api's own teardown is over: disconnect() unsubscribes its cached
   * subscriptions, each of which schedules a 1750 ms rxjs timer (rpc-core's refCountDelay, not configurable).
   * Waiting it out here means nothing of ours is left running when close() returns (a quiet jest run); the
   * process would wait for those timers before exiting anyway.
   */
  async close(): Promise<void> {
    // a subscription dropped moments ago is still open (the same refCountDelay holds its unsubscribe back): let it
    // end first, or the disconnect errors it and polkadot prints an RPC-CORE line for a feed that ended normally
    const since = Date.now() - this.lastUnsubscribeAt
    if (since < POLKADOT_TEARDOWN_MS) await new Promise((resolve) => setTimeout(resolve, POLKADOT_TEARDOWN_MS - since))
    await this.api.disconnect()
    await new Promise((resolve) => setTimeout(resolve, POLKADOT_TEARDOWN_MS))
  }
}

/** rpc-core's refCountDelay (1750 ms) plus a margin: how long @polkadot/api keeps timers after disconnect(). */
const POLKADOT_TEARDOWN_MS = 1800

/** Connect (auto-reconnecting WsProvider) and check the chain is a Subtensor. */
export async function connectSubtensor(endpoint: string, opts: ConnectOptions = {}): Promise<SubtensorClient> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  // the initial connection: a short bounded check first, so that a missing chain is one clear error, not a stream of
  // provider reconnect logs (the provider below reconnects with backoff after a later drop)
  await probeEndpoint(endpoint, opts.probe)
  const provider = new BackoffWsProvider(endpoint)
  try {
    // noInitWarn: polkadot's init warnings are mostly about Subtensor's custom RPCs; the one that matters (unknown
    // transaction extensions, i.e. a signing payload that may not match) is checked below in our own words
    const api = await withTimeout(
      ApiPromise.create({provider, noInitWarn: true, signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS}),
      timeoutMs,
      `no Subtensor metadata from ${endpoint}`,
    )
    if (!api.tx.subtensorModule) {
      await api.disconnect()
      await new Promise((resolve) => setTimeout(resolve, POLKADOT_TEARDOWN_MS))
      throw new Error(`${endpoint} is not a Subtensor chain (no SubtensorModule)`)
    }
    const unknown = unknownSignedExtensions(api.registry.signedExtensions)
    if (unknown.length) {
      const log = opts.logger ?? createLogger({scope: 'chain'})
      log.warn(
        `${endpoint} runs a runtime with transaction extensions bitmind does not know (${unknown.join(', ')}); they are ` +
          'signed as empty, so its transactions may be rejected: update bitmind (src/chain/extensions.ts)',
      )
    }
    if (opts.onConnectionEvent) provider.onConnectionEvent(opts.onConnectionEvent)
    return new SubtensorClient(api, endpoint, opts)
  } catch (err) {
    await provider.disconnect().catch(() => {})
    throw new Error(`cannot connect to ${endpoint}: ${(err as Error).message}`)
  }
}
