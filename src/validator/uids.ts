import type {NeuronAxon, NeuronMetagraph} from '../chain/neuron.js'
import type {Rng} from '../config/random.js'

/** A uid serves when its axon announced a routable address (the SDK's `is_serving`: ip ≠ 0.0.0.0). */
export function isServing(axon: NeuronAxon | undefined): boolean {
  return axon !== undefined && axon.ip !== '0.0.0.0' && axon.ip !== '' && axon.port > 0
}

/** Query-able miner: serving, and not a big validator (permit and stake above `vpermitTaoLimit`). */
export function isAvailableMiner(mg: NeuronMetagraph, uid: number, vpermitTaoLimit: number): boolean {
  if (!isServing(mg.axons[uid])) return false
  if (mg.validatorPermit[uid] && (mg.stake[uid] ?? 0) > vpermitTaoLimit) return false
  return true
}

/**
 * Pick up to `k` distinct available uids at random. Excluded uids are used only when there are not enough others,
 * as the SDK template does.
 */
export function sampleMinerUids(
  mg: NeuronMetagraph,
  k: number,
  rng: Rng,
  opts: {vpermitTaoLimit: number; exclude?: readonly number[]},
): number[] {
  const exclude = new Set(opts.exclude ?? [])
  const available = mg.uids.filter((uid) => isAvailableMiner(mg, uid, opts.vpermitTaoLimit))
  const candidates = available.filter((uid) => !exclude.has(uid))
  const want = Math.min(Math.max(0, Math.floor(k)), available.length)
  const picked = pick(candidates, Math.min(want, candidates.length), rng)
  if (picked.length < want) {
    const rest = available.filter((uid) => exclude.has(uid))
    picked.push(...pick(rest, want - picked.length, rng))
  }
  return picked
}

function pick(items: readonly number[], n: number, rng: Rng): number[] {
  const pool = [...items]
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
    out.push(pool[i]!)
  }
  return out
}
