import type {ApiPromise} from '@polkadot/api'

import {arr, type Codec, num, readStorage} from './codec.js'
import {intToIp, raoToTao, U16_MAX} from './rules.js'

/** Reads of SubtensorModule storage: hyperparameters, registration, balances, the metagraph (docs/ARCHITECTURE.md § Chain). */

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

type Field<T> = {storage: string; decode: (raw: unknown) => T}

const int = (fallback = 0) => (raw: unknown): number => (raw === undefined ? fallback : num(raw))
const bool = (fallback: boolean) => (raw: unknown): boolean => (raw === undefined ? fallback : (raw as Codec).toJSON() === true)

/** Each hyperparameter: its storage item and how it decodes (an item this runtime lacks gives the default). */
const HYPERPARAMETERS: {[K in keyof Hyperparameters]: Field<Hyperparameters[K]>} = {
  tempo: {storage: 'tempo', decode: int()},
  weightsRateLimit: {storage: 'weightsSetRateLimit', decode: int()},
  minAllowedWeights: {storage: 'minAllowedWeights', decode: int()},
  maxWeightsLimit: {storage: 'maxWeightsLimit', decode: int(U16_MAX)},
  weightsVersionKey: {storage: 'weightsVersionKey', decode: int()},
  commitRevealWeightsEnabled: {storage: 'commitRevealWeightsEnabled', decode: bool(false)},
  revealPeriodEpochs: {storage: 'revealPeriodEpochs', decode: int(1)},
  registrationAllowed: {storage: 'networkRegistrationAllowed', decode: bool(true)},
  powRegistrationAllowed: {storage: 'networkPowRegistrationAllowed', decode: bool(false)},
  burn: {storage: 'burn', decode: (raw) => raoToTao(int()(raw))},
  difficulty: {storage: 'difficulty', decode: (raw) => (raw === undefined ? 0n : BigInt((raw as Codec).toString()))},
  immunityPeriod: {storage: 'immunityPeriod', decode: int()},
}

export async function readHyperparameters(api: ApiPromise, netuid: number): Promise<Hyperparameters> {
  const fields = Object.entries(HYPERPARAMETERS) as [keyof Hyperparameters, Field<unknown>][]
  const raw = await Promise.all(fields.map(([, f]) => readStorage(api, f.storage, netuid)))
  return Object.fromEntries(fields.map(([name, f], i) => [name, f.decode(raw[i])])) as unknown as Hyperparameters
}

export async function subnetExists(api: ApiPromise, netuid: number): Promise<boolean> {
  const added = await readStorage(api, 'networksAdded', netuid)
  return added === undefined ? true : (added as Codec).toJSON() === true
}

export async function uidOf(api: ApiPromise, netuid: number, hotkey: string): Promise<number | undefined> {
  const opt = (await api.query.subtensorModule!.uids!(netuid, hotkey)) as unknown as {isSome: boolean; unwrap(): Codec}
  return opt.isSome ? num(opt.unwrap()) : undefined
}

/** Free balance in TAO. */
export async function balanceOf(api: ApiPromise, address: string): Promise<number> {
  const acct = (await api.query.system!.account!(address)) as unknown as {data: {free: Codec}}
  return raoToTao(num(acct.data.free))
}

/** LastUpdate of each uid (0 where unknown). */
export async function lastUpdates(api: ApiPromise, netuid: number): Promise<number[]> {
  const last = await readStorage(api, 'lastUpdate', netuid)
  return last === undefined ? [] : arr(last)
}

export async function readMetagraph(
  api: ApiPromise,
  endpoint: string,
  netuid: number,
  stakeSource: 'alpha' | 'totalHotkeyStake',
  currentBlock: () => Promise<number>,
): Promise<Metagraph> {
  const q = api.query.subtensorModule!
  if (!(await subnetExists(api, netuid))) throw new Error(`subnet ${netuid} does not exist on ${endpoint}`)
  const [nRaw, block] = await Promise.all([q.subnetworkN!(netuid), currentBlock()])
  const n = num(nRaw)
  const uids = [...Array(n).keys()]
  const hotkeys = (await Promise.all(uids.map((u) => q.keys!(netuid, u)))).map((k) => k.toString())
  const stakeOf = (h: string) => (stakeSource === 'alpha' ? q.totalHotkeyAlpha!(h, netuid) : q.totalHotkeyStake!(h))
  const vec = (name: string) => readStorage(api, name, netuid).then((c) => (c === undefined ? [] : arr(c)))
  const [axons, stakes, owners, weights, permitRaw, lastUpdate, incentive, dividends, trust, consensus, emission] = await Promise.all([
    Promise.all(hotkeys.map((h) => q.axons!(netuid, h))),
    Promise.all(hotkeys.map(stakeOf)),
    Promise.all(hotkeys.map((h) => q.owner!(h))),
    Promise.all(uids.map((u) => q.weights!(netuid, u))),
    readStorage(api, 'validatorPermit', netuid),
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

function decodeAxon(raw: unknown, hotkey: string, coldkey: string): AxonInfo {
  const opt = raw as {isSome?: boolean; unwrap?: () => unknown}
  const info = (opt.isSome !== undefined ? (opt.isSome ? opt.unwrap!() : undefined) : raw) as Codec | undefined
  const j = (info?.toJSON() ?? {}) as {ip?: string | number; port?: number; ipType?: number; protocol?: number; version?: number}
  const ipType = Number(j.ipType ?? 4)
  const ip = j.ip === undefined ? 0n : BigInt(j.ip)
  return {ip: intToIp(ip, ipType), port: Number(j.port ?? 0), ipType, protocol: Number(j.protocol ?? 0), version: Number(j.version ?? 0), hotkey, coldkey}
}
