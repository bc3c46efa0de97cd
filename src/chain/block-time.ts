import type {ApiPromise} from '@polkadot/api'

import {num} from './codec.js'

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

/**
 * `Timestamp.Now` at block `best` and BLOCK_TIME_WINDOW blocks before it (fewer on a young chain, never block 0)
 * through blockTimeFromTimestamps, falling back to Aura.SlotDuration, then 12 s, when they cannot be read.
 */
export async function measureBlockTime(api: ApiPromise, best: () => Promise<number>): Promise<BlockTimeEstimate> {
  const slot = (api.consts as Record<string, Record<string, unknown> | undefined>).aura?.slotDuration
  const slotMs = slot === undefined ? undefined : num(slot)
  const timestampNow = api.query.timestamp?.now
  if (typeof timestampNow !== 'function') return blockTimeFromTimestamps({blocks: 0, slotMs})
  try {
    const head = await best()
    const blocks = Math.min(BLOCK_TIME_WINDOW, head - 1)
    if (blocks < 1) return blockTimeFromTimestamps({blocks: 0, slotMs})
    const [nowHash, thenHash] = await Promise.all([api.rpc.chain.getBlockHash(head), api.rpc.chain.getBlockHash(head - blocks)])
    const [nowTs, thenTs] = await Promise.all([timestampNow.at(nowHash), timestampNow.at(thenHash)])
    return blockTimeFromTimestamps({nowMs: num(nowTs), thenMs: num(thenTs), blocks, slotMs})
  } catch {
    return blockTimeFromTimestamps({blocks: 0, slotMs})
  }
}
