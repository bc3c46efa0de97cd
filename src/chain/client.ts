import fs from 'node:fs'
import path from 'node:path'

import {ApiPromise} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {decodeAddress} from '@polkadot/util-crypto'
import writeFileAtomic from 'write-file-atomic'
import {z} from 'zod'

import {createLogger, type Logger} from '../config/logger.js'
import {settings} from '../config/settings.js'
import {SUBTENSOR_SIGNED_EXTENSIONS, unknownSignedExtensions} from './extensions.js'
import {ChainCallError, describeDispatchError, describeTokenError} from './errors.js'
import {commitHash, intToIp, ipToInt, raoToTao, U16_MAX} from './rules.js'
import {BackoffWsProvider, type ConnectionEvent} from './reconnect.js'
import {solvePow, type PowProgress} from './pow-solver.js'
import {probeEndpoint, type ProbeOptions} from './probe.js'
import {chainInfoFromBeaconConfig, encryptForRound, revealRound} from './timelock.js'
import {assertU16Weights, type U16Weights, weightsForEmit} from './weights.js'

export interface AxonInfo {
  ip: string
  port: number
  ipType: number
  protocol: number
  version: number
  hotkey: string
  coldkey: string
}

export interface Metagraph {
  netuid: number
  block: number
  n: number
  uids: number[]
  hotkeys: string[]
  coldkeys: string[]
  /** TAO (alpha on dynamic-TAO runtimes) */
  stake: number[]
  /** 0..1 */
  trust: number[]
  consensus: number[]
  incentive: number[]
  dividends: number[]
  /** TAO per tempo */
  emission: number[]
  validatorPermit: boolean[]
  lastUpdate: number[]
  axons: AxonInfo[]
  /** weights set by each uid (raw u16 values), read from the `Weights` map */
  weights: [number, number][][]
}

export interface Hyperparameters {
  tempo: number
  weightsRateLimit: number
  minAllowedWeights: number
  /** u16 as stored (65535 = 1.0) */
  maxWeightsLimit: number
  weightsVersionKey: number
  commitRevealWeightsEnabled: boolean
  revealPeriodEpochs: number
  registrationAllowed: boolean
  powRegistrationAllowed: boolean
  /** TAO */
  burn: number
  difficulty: bigint
  immunityPeriod: number
}

/** What the connected runtime offers, read from its metadata (never from a hard-coded era). */
export interface RuntimeFeatures {
  specVersion: number
  timelockedWeights: boolean
  mechanismWeights: boolean
  /** stake from `TotalHotkeyAlpha` (dynamic TAO) or the old `TotalHotkeyStake` */
  stakeSource: 'alpha' | 'totalHotkeyStake'
}

export interface SubmitResult {
  blockHash: string
  events: string[]
}

export type WeightsPath = 'set_weights' | 'commit_weights' | 'commit_timelocked_weights'

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

const beaconConfigSchema = z.object({
  publicKey: z.string(),
  period: z.number(),
  genesisTime: z.number(),
  hash: z.string(),
  groupHash: z.string(),
  schemeId: z.string(),
  metadata: z.object({beaconId: z.string()}),
})

const pendingCommitSchema = z.object({
  netuid: z.number(),
  hotkey: z.string(),
  uids: z.array(z.number()),
  weights: z.array(z.number()),
  salt: z.array(z.number()),
  versionKey: z.number(),
  commitBlock: z.number(),
  hash: z.string(),
})
export type PendingCommit = z.infer<typeof pendingCommitSchema>

/** what the SDK and bittensor_drand assume (bittensor `settings.BLOCKTIME`, `block_time=12.0`): finney's block time */
export const DEFAULT_BLOCK_TIME_S = 12
/** blocks between the two `Timestamp.Now` reads of a block-time estimate */
export const BLOCK_TIME_WINDOW = 20
/** an estimate is reused for this long */
export const BLOCK_TIME_REFRESH_MS = 60_000
/** a measured block time above this is not believed */
const MAX_BLOCK_TIME_S = 600

export interface BlockTimeEstimate {
  /** seconds per block */
  seconds: number
  /** `option`: ConnectOptions.blockTimeS; `timestamps`: measured; `slot`: the runtime's Aura.SlotDuration; `default`: 12 s */
  source: 'option' | 'timestamps' | 'slot' | 'default'
  /** the measured seconds per block, where the timestamps could be read */
  measuredS?: number
  /** blocks the measurement spans */
  blocks?: number
}

/**
 * Seconds per block from two `Timestamp.Now` values (ms) `blocks` apart, and the runtime's Aura slot (ms) if known.
 * Unreadable or insane timestamps (not increasing, the zero a real chain's genesis holds, over 10 min per block) fall
 * back to the slot, else to 12 s. On an Aura chain blocks are never closer than a slot, and missed slots or a stall
 * only lengthen the intervals, so a measurement at or above ~the slot means "the slot" (finney: 12 s, as the SDK
 * assumes) — reading it longer would aim a commit's round past the reveal epoch, where the pallet drops it. Only a
 * chain clearly faster than its slot constant (a devnet carrying finney's metadata, fast-blocks localnets whose
 * constant disagrees) gets the measurement.
 */
export function blockTimeFromTimestamps(p: {nowMs?: number; thenMs?: number; blocks: number; slotMs?: number}): BlockTimeEstimate {
  const slotS = p.slotMs !== undefined && Number.isFinite(p.slotMs) && p.slotMs > 0 ? p.slotMs / 1000 : undefined
  const fallback: BlockTimeEstimate = slotS !== undefined ? {seconds: slotS, source: 'slot'} : {seconds: DEFAULT_BLOCK_TIME_S, source: 'default'}
  const {nowMs, thenMs, blocks} = p
  if (nowMs === undefined || thenMs === undefined || !(blocks >= 1) || !(thenMs > 0) || !(nowMs > thenMs)) return fallback
  const measuredS = (nowMs - thenMs) / blocks / 1000
  if (!Number.isFinite(measuredS) || measuredS > MAX_BLOCK_TIME_S) return fallback
  if (slotS !== undefined && measuredS >= slotS * 0.9) return {seconds: slotS, source: 'slot', measuredS, blocks}
  return {seconds: measuredS, source: 'timestamps', measuredS, blocks}
}

type Codec = {toString(): string; toJSON(): unknown}
const num = (c: unknown): number => Number((c as Codec).toString())
const arr = (c: unknown): number[] => ((c as Codec).toJSON() as (number | string)[]).map(Number)

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} within ${ms / 1000}s`)), ms)))])
  } finally {
    clearTimeout(t)
  }
}

export class SubtensorClient {
  readonly features: RuntimeFeatures
  private readonly blockTimeS: number | undefined
  private blockTimeCache?: {at: number; estimate: Promise<BlockTimeEstimate>}
  private readonly commitDir: string
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
    this.commitDir = opts.commitDir ?? settings.commitDir
  }

  private get q() {
    return this.api.query.subtensorModule!
  }

  async currentBlock(): Promise<number> {
    return (await this.api.rpc.chain.getHeader()).number.toNumber()
  }

  /**
   * How long the chain takes per block: ConnectOptions.blockTimeS when given, else `Timestamp.Now` at the best block
   * and BLOCK_TIME_WINDOW blocks before it (fewer on a young chain, never block 0) through blockTimeFromTimestamps,
   * falling back to Aura.SlotDuration, then 12 s, when they cannot be read. Reused for BLOCK_TIME_REFRESH_MS.
   */
  async estimateBlockTime(): Promise<BlockTimeEstimate> {
    if (this.blockTimeS !== undefined) return {seconds: this.blockTimeS, source: 'option'}
    const now = Date.now()
    if (!this.blockTimeCache || now - this.blockTimeCache.at >= BLOCK_TIME_REFRESH_MS) {
      const estimate = this.measureBlockTime()
      this.blockTimeCache = {at: now, estimate}
    }
    return this.blockTimeCache.estimate
  }

  private async measureBlockTime(): Promise<BlockTimeEstimate> {
    const slot = (this.api.consts as Record<string, Record<string, unknown> | undefined>).aura?.slotDuration
    const slotMs = slot === undefined ? undefined : num(slot)
    const timestampNow = this.api.query.timestamp?.now
    if (typeof timestampNow !== 'function') return blockTimeFromTimestamps({blocks: 0, slotMs})
    try {
      const best = await this.currentBlock()
      const blocks = Math.min(BLOCK_TIME_WINDOW, best - 1)
      if (blocks < 1) return blockTimeFromTimestamps({blocks: 0, slotMs})
      const [nowHash, thenHash] = await Promise.all([this.api.rpc.chain.getBlockHash(best), this.api.rpc.chain.getBlockHash(best - blocks)])
      const [nowTs, thenTs] = await Promise.all([timestampNow.at(nowHash), timestampNow.at(thenHash)])
      return blockTimeFromTimestamps({nowMs: num(nowTs), thenMs: num(thenTs), blocks, slotMs})
    } catch {
      return blockTimeFromTimestamps({blocks: 0, slotMs})
    }
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

  private async read(name: string, ...args: unknown[]): Promise<unknown> {
    const fn = this.q[name]
    return typeof fn === 'function' ? fn(...args) : undefined
  }

  async hyperparameters(netuid: number): Promise<Hyperparameters> {
    const names = [
      'tempo',
      'weightsSetRateLimit',
      'minAllowedWeights',
      'maxWeightsLimit',
      'weightsVersionKey',
      'commitRevealWeightsEnabled',
      'revealPeriodEpochs',
      'networkRegistrationAllowed',
      'networkPowRegistrationAllowed',
      'burn',
      'difficulty',
      'immunityPeriod',
    ]
    const v = await Promise.all(names.map((n) => this.read(n, netuid)))
    const b = (c: unknown) => (c === undefined ? false : (c as Codec).toJSON() === true)
    const n = (c: unknown, d = 0) => (c === undefined ? d : num(c))
    return {
      tempo: n(v[0]),
      weightsRateLimit: n(v[1]),
      minAllowedWeights: n(v[2]),
      maxWeightsLimit: n(v[3], U16_MAX),
      weightsVersionKey: n(v[4]),
      commitRevealWeightsEnabled: b(v[5]),
      revealPeriodEpochs: n(v[6], 1),
      registrationAllowed: v[7] === undefined ? true : b(v[7]),
      powRegistrationAllowed: b(v[8]),
      burn: raoToTao(n(v[9])),
      difficulty: v[10] === undefined ? 0n : BigInt((v[10] as Codec).toString()),
      immunityPeriod: n(v[11]),
    }
  }

  async subnetExists(netuid: number): Promise<boolean> {
    const added = await this.read('networksAdded', netuid)
    return added === undefined ? true : (added as Codec).toJSON() === true
  }

  async uidOf(netuid: number, hotkey: string): Promise<number | undefined> {
    const opt = (await this.q.uids!(netuid, hotkey)) as unknown as {isSome: boolean; unwrap(): Codec}
    return opt.isSome ? num(opt.unwrap()) : undefined
  }

  async balance(address: string): Promise<number> {
    const acct = (await this.api.query.system!.account!(address)) as unknown as {data: {free: Codec}}
    return raoToTao(num(acct.data.free))
  }

  async metagraph(netuid: number): Promise<Metagraph> {
    const q = this.q
    if (!(await this.subnetExists(netuid))) throw new Error(`subnet ${netuid} does not exist on ${this.endpoint}`)
    const [nRaw, block] = await Promise.all([q.subnetworkN!(netuid), this.currentBlock()])
    const n = num(nRaw)
    const uids = [...Array(n).keys()]
    const hotkeys = (await Promise.all(uids.map((u) => q.keys!(netuid, u)))).map((k) => k.toString())
    const stakeOf = (h: string) => (this.features.stakeSource === 'alpha' ? q.totalHotkeyAlpha!(h, netuid) : q.totalHotkeyStake!(h))
    const vec = (name: string) => this.read(name, netuid).then((c) => (c === undefined ? [] : arr(c)))
    const [axons, stakes, owners, weights, permitRaw, lastUpdate, incentive, dividends, trust, consensus, emission] = await Promise.all([
      Promise.all(hotkeys.map((h) => q.axons!(netuid, h))),
      Promise.all(hotkeys.map(stakeOf)),
      Promise.all(hotkeys.map((h) => q.owner!(h))),
      Promise.all(uids.map((u) => q.weights!(netuid, u))),
      this.read('validatorPermit', netuid),
      vec('lastUpdate'),
      vec('incentive'),
      vec('dividends'),
      vec('trust'),
      vec('consensus'),
      vec('emission'),
    ])
    const pad = <T>(xs: T[], fill: T) => uids.map((u) => xs[u] ?? fill)
    const permit = permitRaw === undefined ? [] : ((permitRaw as Codec).toJSON() as boolean[])
    const coldkeys = owners.map((o) => o.toString())
    return {
      netuid,
      block,
      n,
      uids,
      hotkeys,
      coldkeys,
      stake: stakes.map((s) => raoToTao(num(s))),
      trust: pad(trust.map((x) => x / U16_MAX), 0),
      consensus: pad(consensus.map((x) => x / U16_MAX), 0),
      incentive: pad(incentive.map((x) => x / U16_MAX), 0),
      dividends: pad(dividends.map((x) => x / U16_MAX), 0),
      emission: pad(emission.map((x) => raoToTao(x)), 0),
      validatorPermit: pad(permit, false),
      lastUpdate: pad(lastUpdate, 0),
      axons: axons.map((a, u) => decodeAxon(a, hotkeys[u]!, coldkeys[u]!)),
      weights: weights.map((w) => ((w as Codec).toJSON() as [number, number][]).map(([a, b]) => [Number(a), Number(b)] as [number, number])),
    }
  }

  /** Sign, send, wait for inclusion; a DispatchError becomes a ChainCallError with a readable message. */
  async submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, ctx: {netuid?: number} = {}, timeoutMs = 120_000): Promise<SubmitResult> {
    const call = `${tx.method.section}.${tx.method.method}`
    return new Promise<SubmitResult>((resolve, reject) => {
      let unsub: (() => void) | undefined
      let done = false
      const timer = setTimeout(() => finish(new Error(`${call} was not included within ${timeoutMs / 1000}s`)), timeoutMs)
      const finish = (err?: Error, value?: SubmitResult) => {
        if (done) return
        done = true
        clearTimeout(timer)
        unsub?.()
        this.lastUnsubscribeAt = Date.now()
        if (err) reject(err)
        else resolve(value!)
      }
      // nonce -1: the runtime's AccountNonceApi (one call) instead of a derive.balances.account subscription,
      // whose nested teardown keeps @polkadot/api timers running for seconds after disconnect()
      tx.signAndSend(signer, {nonce: -1}, (result) => {
        if (!result.status.isInBlock && !result.status.isFinalized) {
          if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) finish(new Error(`${call}: transaction ${result.status.type}`))
          return
        }
        const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex()
        const events = result.events.map((e) => `${e.event.section}.${e.event.method}`)
        const err = result.dispatchError
        if (!err) return finish(undefined, {blockHash, events})
        if (err.isModule) {
          const d = this.api.registry.findMetaError(err.asModule)
          return finish(new ChainCallError(describeDispatchError(d, {...ctx, call}), `${d.section}.${d.name}`))
        }
        if (err.isToken) return finish(new ChainCallError(`${call} failed: ${describeTokenError(err.asToken.type)}`, `Token.${err.asToken.type}`))
        finish(new ChainCallError(`${call} failed: ${JSON.stringify(err.toJSON())}`, err.type))
      })
        .then((u) => {
          if (done) u()
          else unsub = u
        })
        .catch((e: Error) => finish(new Error(`${call} rejected: ${e.message}`)))
    })
  }

  private async uidAfterRegister(netuid: number, hotkey: string): Promise<number> {
    const uid = await this.uidOf(netuid, hotkey)
    if (uid === undefined) throw new Error(`registration was included but ${hotkey} has no uid on netuid ${netuid}`)
    return uid
  }

  /** burned_register signed by the coldkey; returns the uid. */
  async burnedRegister(coldkey: KeyringPair, hotkey: string, netuid: number): Promise<number> {
    await this.submit(this.api.tx.subtensorModule!.burnedRegister!(netuid, hotkey), coldkey, {netuid})
    return this.uidAfterRegister(netuid, hotkey)
  }

  /**
   * PoW `register` signed by the hotkey (docs/ARCHITECTURE.md § Chain): solve for the current block on worker threads, and start over
   * when the chain moves 3 blocks past it (the SDK's staleness rule) or the chain says the work block is invalid.
   */
  async powRegister(
    hotkey: KeyringPair,
    coldkeyAddress: string,
    netuid: number,
    opts: {workers?: number; onProgress?: (p: PowProgress & {block: number}) => void; maxAttempts?: number} = {},
  ): Promise<number> {
    for (let attempt = 0; attempt < (opts.maxAttempts ?? 10); attempt++) {
      const {difficulty, powRegistrationAllowed} = await this.hyperparameters(netuid)
      if (!powRegistrationAllowed) throw new Error(`PoW registration is not allowed on netuid ${netuid}: use burned registration`)
      const block = await this.currentBlock()
      const blockHash = (await this.api.rpc.chain.getBlockHash(block)).toU8a()
      const ac = new AbortController()
      const unsub = await this.subscribeBlocks((b) => {
        if (b - block >= 3) ac.abort()
      })
      let solution
      try {
        solution = await solvePow({
          blockHash,
          hotkey: decodeAddress(hotkey.address),
          difficulty,
          workers: opts.workers,
          signal: ac.signal,
          onProgress: (p) => opts.onProgress?.({...p, block}),
        })
      } finally {
        unsub()
      }
      if (!solution) continue
      try {
        await this.submit(
          this.api.tx.subtensorModule!.register!(netuid, block, solution.nonce, u8aToHex(solution.seal), hotkey.address, coldkeyAddress),
          hotkey,
          {netuid},
        )
        return this.uidAfterRegister(netuid, hotkey.address)
      } catch (err) {
        if (err instanceof ChainCallError && err.code.endsWith('InvalidWorkBlock')) continue
        throw err
      }
    }
    throw new Error(`PoW registration on netuid ${netuid} did not succeed after ${opts.maxAttempts ?? 10} attempts`)
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
  async blocksUntilWeightsAllowed(netuid: number, uid: number): Promise<number> {
    const [hp, block, last] = await Promise.all([this.hyperparameters(netuid), this.currentBlock(), this.read('lastUpdate', netuid)])
    const lastUpdate = last === undefined ? 0 : (arr(last)[uid] ?? 0)
    if (lastUpdate === 0) return 0
    return Math.max(0, lastUpdate + hp.weightsRateLimit - block)
  }

  /**
   * Weights through whatever the subnet and runtime require: `set_weights` when commit-reveal is off, else
   * `commit_timelocked_weights` where the runtime has it, else `commit_weights` (salt kept on disk for revealPending).
   * `weights` are floats; they are turned into u16 as the SDK does (weightsForEmit). The rate limit is checked first.
   */
  async setWeights(
    hotkey: KeyringPair,
    netuid: number,
    uids: readonly number[],
    weights: readonly number[],
    opts: {versionKey?: number} = {},
  ): Promise<{path: WeightsPath; revealRound?: number; revealBlock?: number}> {
    return this.setU16Weights(hotkey, netuid, weightsForEmit(uids, weights), opts)
  }

  /** setWeights for weights already in u16 (weightsForEmit's output, e.g. the validator's): no second conversion. */
  async setU16Weights(
    hotkey: KeyringPair,
    netuid: number,
    emit: U16Weights,
    opts: {versionKey?: number} = {},
  ): Promise<{path: WeightsPath; revealRound?: number; revealBlock?: number}> {
    assertU16Weights(emit)
    if (emit.uids.length === 0) throw new Error('no positive weights to set')
    const uid = await this.uidOf(netuid, hotkey.address)
    if (uid === undefined) throw new Error(`hotkey ${hotkey.address} is not registered on netuid ${netuid}`)
    const wait = await this.blocksUntilWeightsAllowed(netuid, uid)
    if (wait > 0) throw new ChainCallError(`weights rate limit: netuid ${netuid} allows the next weights in ${wait} blocks`, 'RateLimit')
    const hp = await this.hyperparameters(netuid)
    const versionKey = opts.versionKey ?? hp.weightsVersionKey
    const tx = this.api.tx.subtensorModule!
    if (!hp.commitRevealWeightsEnabled) {
      await this.submit(tx.setWeights!(netuid, emit.uids, emit.weights, versionKey), hotkey, {netuid})
      return {path: 'set_weights'}
    }
    if (this.features.timelockedWeights) {
      const r = await this.commitTimelocked(hotkey, netuid, emit.uids, emit.weights, versionKey, hp)
      return {path: 'commit_timelocked_weights', ...r}
    }
    await this.commitWeights(hotkey, netuid, emit.uids, emit.weights, versionKey)
    return {path: 'commit_weights'}
  }

  /** The SCALE payload the pallet decrypts: WeightsTlockPayload {hotkey: Vec<u8>, uids, values: Vec<u16>, version_key: u64}. */
  tlockPayload(hotkey: string, uids: number[], values: number[], versionKey: number): Uint8Array {
    return this.api.registry.createType('(Vec<u8>, Vec<u16>, Vec<u16>, u64)', [Array.from(decodeAddress(hotkey)), uids, values, versionKey]).toU8a()
  }

  async commitTimelocked(
    hotkey: KeyringPair,
    netuid: number,
    uids: number[],
    values: number[],
    versionKey: number,
    hp?: Hyperparameters,
  ): Promise<{revealRound: number; revealBlock: number}> {
    const h = hp ?? (await this.hyperparameters(netuid))
    const rawCfg = await this.api.query.drand?.beaconConfig?.()
    if (!rawCfg) throw new Error('the runtime has timelocked weights but no Drand.BeaconConfig')
    const info = chainInfoFromBeaconConfig(beaconConfigSchema.parse((rawCfg as Codec).toJSON()))
    const [block, blockTime] = await Promise.all([this.currentBlock(), this.estimateBlockTime()])
    const r = revealRound({
      currentBlock: block,
      netuid,
      tempo: h.tempo,
      revealPeriodEpochs: h.revealPeriodEpochs,
      blockTimeS: blockTime.seconds,
      nowS: Date.now() / 1000,
      genesisTime: info.genesis_time,
      period: info.period,
    })
    const commit = await encryptForRound(r.revealRound, this.tlockPayload(hotkey.address, uids, values, versionKey), info)
    const versionRaw = await this.read('commitRevealWeightsVersion')
    const version = versionRaw === undefined ? 4 : num(versionRaw)
    await this.submit(this.api.tx.subtensorModule!.commitTimelockedWeights!(netuid, u8aToHex(commit), r.revealRound, version), hotkey, {netuid})
    return r
  }

  /** The commit hash of src/chain/rules.ts (the one the devnet checks reveals with). */
  commitHash(hotkey: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: number): string {
    return commitHash(this.api.registry, hotkey, netuid, uids, values, salt, versionKey)
  }

  private commitFile(netuid: number, hotkey: string): string {
    return path.join(this.commitDir, `${hotkey}-${netuid}.json`)
  }

  /** commit_weights with a random salt; the salt and weights stay on disk (0600) until revealWeights succeeds. */
  async commitWeights(hotkey: KeyringPair, netuid: number, uids: number[], values: number[], versionKey: number): Promise<PendingCommit> {
    const salt = Array.from(crypto.getRandomValues(new Uint16Array(8)))
    const hash = this.commitHash(hotkey.address, netuid, uids, values, salt, versionKey)
    const pending: PendingCommit = {netuid, hotkey: hotkey.address, uids, weights: values, salt, versionKey, commitBlock: 0, hash}
    fs.mkdirSync(this.commitDir, {recursive: true, mode: 0o700})
    await writeFileAtomic(this.commitFile(netuid, hotkey.address), JSON.stringify(pending), {mode: 0o600})
    await this.submit(this.api.tx.subtensorModule!.commitWeights!(netuid, hash), hotkey, {netuid})
    pending.commitBlock = await this.currentBlock()
    await writeFileAtomic(this.commitFile(netuid, hotkey.address), JSON.stringify(pending), {mode: 0o600})
    return pending
  }

  pendingCommit(netuid: number, hotkey: string): PendingCommit | undefined {
    const file = this.commitFile(netuid, hotkey)
    if (!fs.existsSync(file)) return undefined
    return pendingCommitSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))
  }

  /** reveal_weights for the commit kept on disk; the file is removed once the reveal is included. */
  async revealWeights(hotkey: KeyringPair, netuid: number): Promise<boolean> {
    const p = this.pendingCommit(netuid, hotkey.address)
    if (!p) return false
    await this.submit(this.api.tx.subtensorModule!.revealWeights!(netuid, p.uids, p.weights, p.salt, p.versionKey), hotkey, {netuid})
    fs.rmSync(this.commitFile(netuid, hotkey.address), {force: true})
    return true
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

function decodeAxon(raw: unknown, hotkey: string, coldkey: string): AxonInfo {
  const opt = raw as {isSome?: boolean; unwrap?: () => unknown}
  const info = (opt.isSome !== undefined ? (opt.isSome ? opt.unwrap!() : undefined) : raw) as Codec | undefined
  const j = (info?.toJSON() ?? {}) as {ip?: string | number; port?: number; ipType?: number; protocol?: number; version?: number}
  const ipType = Number(j.ipType ?? 4)
  const ip = j.ip === undefined ? 0n : BigInt(j.ip)
  return {ip: intToIp(ip, ipType), port: Number(j.port ?? 0), ipType, protocol: Number(j.protocol ?? 0), version: Number(j.version ?? 0), hotkey, coldkey}
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
