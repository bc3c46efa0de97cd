import {U16_MAX as U16} from '../chain/rules.js'
import type {Storage} from './storage.js'

const S = 'subtensorModule'
/** Yuma's kappa: the stake share that must support a weight for it to count in consensus. */
const KAPPA = 0.5

/**
 * A simplified Yuma consensus, run every `tempo` blocks for a subnet (mechanism 0):
 *
 * 1. stake S_i = TotalHotkeyAlpha of each neuron, normalised; validators = the top `MaxAllowedValidators` by stake.
 * 2. W = each validator's weights, row-normalised to sum 1.
 * 3. consensus C_j = stake-weighted median of column j: the largest w such that validators holding ≥ κ = 0.5 of
 *    the stake gave miner j at least w.
 * 4. clipped weights W'_ij = min(W_ij, C_j); rank R_j = Σ_i S_i·W'_ij; incentive I = R / ΣR;
 *    trust T_j = R_j / Σ_i S_i·W_ij (the share of the weight that survived clipping).
 * 5. dividends D_i ∝ S_i · Σ_j W'_ij·I_j (a validator earns for backing miners that earned); normalised.
 * 6. emission: half of the epoch's alpha goes to miners by I, half to validators by D, and is added to their stake.
 *
 * Real Yuma also has bonds with an EMA, liquid alpha and a validator-trust term; those are left out. Vectors are
 * written to the runtime's storage items (Incentive, Dividends, Emission, Trust, Consensus, Rank, ValidatorTrust,
 * ValidatorPermit, PruningScores, Active) in their SCALE types (u16 fractions of u16::MAX, u64 rao).
 */
export function runEpoch(st: Storage, netuid: number, block: number, epochEmission: bigint): void {
  const count = st.num(S, 'subnetworkN', netuid)
  if (count === 0) return
  const hotkeys = [...Array(count).keys()].map((u) => st.get(S, 'keys', netuid, u)!.toString())
  const rawStake = hotkeys.map((h) => Number(st.big(S, 'totalHotkeyAlpha', h, netuid)))
  const k = st.num(S, 'maxAllowedValidators', netuid)
  const order = [...rawStake.keys()].filter((u) => rawStake[u]! > 0).sort((a, b) => rawStake[b]! - rawStake[a]! || a - b)
  const permit = new Array<boolean>(count).fill(false)
  for (const u of order.slice(0, k)) permit[u] = true
  const totalStake = rawStake.reduce((s, x, u) => s + (permit[u] ? x : 0), 0)
  const stake = rawStake.map((x, u) => (permit[u] && totalStake > 0 ? x / totalStake : 0))

  const W: number[][] = [...Array(count).keys()].map((i) => {
    const row = new Array<number>(count).fill(0)
    if (!permit[i]) return row
    const pairs = (st.read(S, 'weights', netuid, i) as [number, number][]) ?? []
    for (const [j, v] of pairs) if (j < count) row[j] = v
    const sum = row.reduce((s, x) => s + x, 0)
    return sum > 0 ? row.map((x) => x / sum) : row
  })

  const consensus = [...Array(count).keys()].map((j) => {
    const col = W.map((row, i) => ({w: row[j]!, s: stake[i]!})).filter((x) => x.s > 0 && x.w > 0)
    col.sort((a, b) => b.w - a.w)
    let acc = 0
    for (const x of col) {
      acc += x.s
      if (acc >= KAPPA) return x.w
    }
    return 0
  })
  const clipped = W.map((row) => row.map((w, j) => Math.min(w, consensus[j]!)))
  const rank = consensus.map((_, j) => clipped.reduce((s, row, i) => s + stake[i]! * row[j]!, 0))
  const preRank = consensus.map((_, j) => W.reduce((s, row, i) => s + stake[i]! * row[j]!, 0))
  const rankSum = rank.reduce((s, x) => s + x, 0)
  const incentive = rank.map((r) => (rankSum > 0 ? r / rankSum : 0))
  const trust = rank.map((r, j) => (preRank[j]! > 0 ? r / preRank[j]! : 0))
  const rawDiv = clipped.map((row, i) => stake[i]! * row.reduce((s, w, j) => s + w * incentive[j]!, 0))
  const divSum = rawDiv.reduce((s, x) => s + x, 0)
  const dividends = rawDiv.map((d) => (divSum > 0 ? d / divSum : 0))
  const vtrust = clipped.map((row, i) => (permit[i] ? row.reduce((s, x) => s + x, 0) : 0))

  const half = Number(epochEmission) / 2
  const emission = incentive.map((x, u) => BigInt(Math.floor(x * half + dividends[u]! * half)))
  for (let u = 0; u < count; u++) {
    if (emission[u]! > 0n) {
      const h = hotkeys[u]!
      st.set(S, 'totalHotkeyAlpha', [h, netuid], st.big(S, 'totalHotkeyAlpha', h, netuid) + emission[u]!)
    }
  }
  const q = (xs: number[]) => xs.map((x) => Math.max(0, Math.min(U16, Math.round(x * U16))))
  st.set(S, 'incentive', [netuid], q(incentive))
  st.set(S, 'dividends', [netuid], q(dividends))
  st.set(S, 'trust', [netuid], q(trust))
  st.set(S, 'consensus', [netuid], q(consensus))
  st.set(S, 'rank', [netuid], q(rankSum > 0 ? rank.map((r) => r / rankSum) : rank))
  st.set(S, 'validatorTrust', [netuid], q(vtrust))
  st.set(S, 'validatorPermit', [netuid], permit)
  st.set(S, 'emission', [netuid], emission)
  st.set(S, 'pruningScores', [netuid], q(incentive.map((x, u) => Math.max(x, dividends[u]!))))
  st.set(S, 'active', [netuid], new Array<boolean>(count).fill(true))
  void block
}
