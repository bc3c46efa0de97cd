import net from 'node:net'

import type {Registry} from '@polkadot/types/types'
import {blake2AsHex} from '@polkadot/util-crypto'

/**
 * Subtensor's own rules, shared by the chain client and the devnet so that both sides compute the same bytes
 * (docs/ARCHITECTURE.md § Chain; upstream opentensor/subtensor pallets/subtensor/src and bittensor `utils/registration`).
 */

/** u16::MAX: weights, trust, incentive… are stored as fractions of it. */
export const U16_MAX = 65535

/** 1 TAO = 10⁹ rao. */
export const RAO_PER_TAO = 1_000_000_000n

/** rao (as a chain integer or its decimal text) → TAO as a float, for display and maths; exact sums use bigint rao. */
export function raoToTao(rao: number | bigint): number {
  return Number(rao) / Number(RAO_PER_TAO)
}

/** TAO → rao, rounded to the nearest rao. */
export function taoToRao(tao: number): bigint {
  return BigInt(Math.round(tao * Number(RAO_PER_TAO)))
}

// ---- registration proof of work ----

/** Synchronous keccak-256 and sha-256: hash-wasm's in the solver's workers, @polkadot/util-crypto's in the devnet. */
export interface SealHashers {
  keccak256(data: Uint8Array): Uint8Array
  sha256(data: Uint8Array): Uint8Array
}

/** bh = keccak256(block_hash ‖ hotkey_pubkey): the part of the seal fixed for one (block, hotkey). */
export function workHash(h: SealHashers, blockHash: Uint8Array, hotkey: Uint8Array): Uint8Array {
  if (blockHash.length !== 32 || hotkey.length !== 32) throw new Error('block hash and hotkey public key are 32 bytes each')
  const buf = new Uint8Array(64)
  buf.set(blockHash, 0)
  buf.set(hotkey, 32)
  return h.keccak256(buf)
}

/**
 * seal = keccak256(sha256(nonce u64 LE ‖ bh)). Self-contained (no module-level names): the solver's workers run this
 * very function from its source text.
 */
export function sealFromWork(h: SealHashers, bh: Uint8Array, nonce: bigint): Uint8Array {
  const buf = new Uint8Array(40)
  new DataView(buf.buffer).setBigUint64(0, BigInt.asUintN(64, nonce), true)
  buf.set(bh, 8)
  return h.keccak256(h.sha256(buf))
}

/** The seal meets the difficulty when big-endian(seal) × difficulty < 2²⁵⁶ − 1. Self-contained, as sealFromWork. */
export function sealMeetsDifficulty(seal: Uint8Array, difficulty: bigint): boolean {
  let v = 0n
  for (let i = 0; i < seal.length; i++) v = (v << 8n) | BigInt(seal[i]!)
  return v * difficulty < (1n << 256n) - 1n
}

// ---- commit-reveal weights ----

/**
 * The hash `commit_weights` carries and `reveal_weights` is checked against: BlakeTwo256 of SCALE (hotkey AccountId,
 * netuid index u16, uids Vec<u16>, values Vec<u16>, salt Vec<u16>, version_key u64).
 */
export function commitHash(
  registry: Registry,
  hotkey: string,
  netuidIndex: number,
  uids: readonly number[],
  values: readonly number[],
  salt: readonly number[],
  versionKey: number | bigint,
): string {
  const enc = registry
    .createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [hotkey, netuidIndex, uids, values, salt, versionKey])
    .toU8a()
  return blake2AsHex(enc, 256)
}

// ---- axon addresses ----

/** An IP as the chain stores it: u128 plus ip_type 4 or 6. */
export function ipToInt(ip: string): {value: bigint; ipType: 4 | 6} {
  const v = net.isIP(ip)
  if (v === 4) return {value: ip.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n), ipType: 4}
  if (v === 6) {
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined]
    const h = head ? head.split(':') : []
    const t = tail ? tail.split(':') : []
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    return {value: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n), ipType: 6}
  }
  throw new Error(`"${ip}" is not an IPv4 or IPv6 address`)
}

export function intToIp(value: bigint, ipType: number): string {
  if (ipType === 6) {
    const g: string[] = []
    for (let i = 7; i >= 0; i--) g.push(((value >> BigInt(16 * i)) & 0xffffn).toString(16))
    return g.join(':')
  }
  return [24, 16, 8, 0].map((s) => Number((value >> BigInt(s)) & 0xffn)).join('.')
}
