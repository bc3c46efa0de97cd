import type {AxonInfo, Metagraph} from '../chain/index.js'

/** The axon fields the proxy reads. */
export type ProxyAxon = Pick<AxonInfo, 'ip' | 'port' | 'hotkey'>

/** The parts of the chain client's Metagraph the proxy reads (docs/ARCHITECTURE.md § Proxy). */
export type ProxyMetagraph = Pick<Metagraph, 'block' | 'uids' | 'hotkeys' | 'stake' | 'incentive'> & {axons: ProxyAxon[]}

export interface PickedMiner {
  uid: number
  hotkey: string
  ip: string
  port: number
  incentive: number
  stake: number
}

/** The SDK's `is_serving`: an axon announced with a routable address. */
function serving(axon: ProxyAxon | undefined): axon is ProxyAxon {
  return axon !== undefined && axon.ip !== '' && axon.ip !== '0.0.0.0' && axon.port > 0
}

/**
 * The `k` serving uids the proxy asks: highest incentive first, ties broken by stake, then by the lower uid so the
 * choice is stable. The proxy's own hotkey is never asked.
 */
export function topMiners(mg: ProxyMetagraph, k: number, opts: {excludeHotkey?: string} = {}): PickedMiner[] {
  const rows: PickedMiner[] = []
  for (const uid of mg.uids) {
    const axon = mg.axons[uid]
    const hotkey = mg.hotkeys[uid] ?? ''
    if (!serving(axon) || hotkey === opts.excludeHotkey) continue
    const num = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : 0)
    rows.push({uid, hotkey, ip: axon.ip, port: axon.port, incentive: num(mg.incentive[uid]), stake: num(mg.stake[uid])})
  }
  rows.sort((a, b) => b.incentive - a.incentive || b.stake - a.stake || a.uid - b.uid)
  return rows.slice(0, Math.max(0, Math.floor(k)))
}
