import {hexToU8a} from '@polkadot/util'

import type {Storage} from './storage.js'

/** The SubtensorModule's storage as the devnet keeps it, and the reads its calls share (docs/ARCHITECTURE.md § Chain). */

export const S = 'subtensorModule'
export const MODULE = 'SubtensorModule'
/** storage index of a mechanism's weights (`netuid + mecid·4096`, NetUidStorageIndex in the pallet) */
export const mechIndex = (netuid: number, mecid: number): number => netuid + mecid * 4096

/** Per-neuron vectors kept per subnet (index = uid); storage name → default element. */
export const NEURON_VECTORS: [string, unknown][] = [
  ['active', true],
  ['rank', 0],
  ['trust', 0],
  ['consensus', 0],
  ['incentive', 0],
  ['dividends', 0],
  ['emission', 0],
  ['lastUpdate', 0],
  ['validatorTrust', 0],
  ['pruningScores', 0],
  ['validatorPermit', false],
]
/** vectors stored per mechanism index rather than per netuid */
export const MECH_VECTORS = new Set(['incentive', 'lastUpdate'])

export const n = (c: unknown): number => Number((c as {toString(): string}).toString())
export const big = (c: unknown): bigint => (c as {toBigInt(): bigint}).toBigInt()
export const u16s = (c: unknown): number[] => (c as {map<T>(f: (x: unknown) => T): T[]}).map((x) => n(x))

export function vec(st: Storage, item: string, netuid: number): unknown[] {
  return (st.read(S, item, netuid) as unknown[]) ?? []
}

export function subnetExists(st: Storage, netuid: number): boolean {
  return Boolean(st.read(S, 'networksAdded', netuid))
}

export function uidOf(st: Storage, netuid: number, hotkey: string): number | undefined {
  const v = st.get(S, 'uids', netuid, hotkey)
  return v === undefined ? undefined : n(v)
}

export function hotkeyStake(st: Storage, netuid: number, hotkey: string): bigint {
  return st.big(S, 'totalHotkeyAlpha', hotkey, netuid)
}

export function setVecAt(st: Storage, item: string, index: number, uid: number, value: unknown): void {
  const v = vec(st, item, index)
  v[uid] = value
  st.set(S, item, [index], v)
}

export const ZERO_ACCOUNT = '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM'

/** Validator permits as the epoch would give them now: the top `MaxAllowedValidators` neurons by stake (> 0). */
export function permits(st: Storage, netuid: number): boolean[] {
  const count = st.num(S, 'subnetworkN', netuid)
  const k = st.num(S, 'maxAllowedValidators', netuid)
  const stakes = [...Array(count).keys()].map((u) => hotkeyStake(st, netuid, st.get(S, 'keys', netuid, u)!.toString()))
  const order = [...stakes.keys()].filter((u) => stakes[u]! > 0n).sort((a, b) => (stakes[b]! > stakes[a]! ? 1 : stakes[b]! < stakes[a]! ? -1 : a - b))
  const out = new Array<boolean>(count).fill(false)
  for (const u of order.slice(0, k)) out[u] = true
  return out
}

/** Epoch number of a block for a subnet, as the pallet counts it. */
export function epochIndex(st: Storage, netuid: number, block: number): number {
  const tempo = st.num(S, 'tempo', netuid)
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

export function firstBlockOfEpoch(st: Storage, netuid: number, epoch: number): number {
  return epoch * (st.num(S, 'tempo', netuid) + 1) - netuid - 1
}

export function subnets(st: Storage): number[] {
  const prefix = st.prefix(S, 'networksAdded')
  return st
    .keysWithPrefix(prefix)
    .map((k) => st.registry.createType('u16', hexToU8a('0x' + k.slice(prefix.length))).toNumber())
    .sort((a, b) => a - b)
}
