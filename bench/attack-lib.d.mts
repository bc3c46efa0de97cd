// Types for attack-lib.mjs (shared by test/faults and bench/attack.mjs).
import type {ChildProcess} from 'node:child_process'

import type {KeyringPair} from '@polkadot/keyring/types'

import type {GenesisConfig} from '../src/devnet/index.js'

export const ROOT: string
export const BIN: string
export function freePort(): Promise<number>
export function sleep(ms: number): Promise<void>
export function rssMb(pid: number): number

export interface Spawned {
  child: ChildProcess
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  log(): string
  waitFor(re: RegExp, ms?: number, from?: number): Promise<RegExpExecArray>
  stop(signal?: NodeJS.Signals): Promise<{code: number | null; signal: NodeJS.Signals | null}>
}
export function spawnBitmind(args: string[], opts?: {env?: NodeJS.ProcessEnv}): Spawned

export interface WalletRef {name: string; hotkey: string; path: string}
export interface RegisteredNeuron {ref: WalletRef; coldkey: KeyringPair; hotkey: KeyringPair; uid: number}
export function registerNeurons(url: string, walletDir: string, names: string[], opts?: {stake?: Record<string, number>}): Promise<Record<string, RegisteredNeuron>>
export function faultGenesis(extra?: Record<string, unknown>): GenesisConfig
export function writeImages(dir: string, v: number, n?: number): Promise<void>

export function pngClaiming(w: number, h: number): Buffer
export function jpegClaiming(w: number, h: number): Promise<Buffer>
export function jpegOf(width: number, height: number): Promise<Buffer>

export interface RawResult {status: number | 'reset' | 'timeout' | 'closed'; json?: {prediction?: unknown; message?: string}}
export function rawPost(port: number, name: string, headers: Record<string, string>, body: Buffer | {slowBytes: number; everyMs: number} | {declared: number; bytes: Buffer}, timeoutMs?: number): Promise<RawResult>
export function idleConnection(port: number, timeoutMs?: number): Promise<RawResult>

export type Kinds = Record<string, () => Promise<RawResult>>
export function hostileKinds(o: {port: number; axonHotkey: string; caller: KeyringPair; stranger: KeyringPair; bodyTimeoutS: number}): Promise<Kinds>
export const MAY_ANSWER: Set<string>

export interface KindStats {sent: number; accepted: number; badAnswers: number; statuses: Record<string, number>}
export function flood(kinds: Kinds, o: {total: number; concurrency: number; heavy?: number; slow?: number}): Promise<{stats: Record<string, KindStats>; peakConnections: number; requests: number}>
export function badAccepted(stats: Record<string, KindStats>): number

export interface KillRow {run: number; killAfterMs: number; resumedAt: number | null; stepsSaved: number; tornLine: boolean}
export function killLoop(o: {
  args: string[]
  stateDir: string
  runs: number
  random: () => number
  maxDelayMs: number
  loadState: (dir: string) => Promise<{step: number} | undefined>
}): Promise<{rows: KillRow[]; violations: string[]; savedStep: number}>
