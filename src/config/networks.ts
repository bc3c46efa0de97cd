/** Subtensor endpoints by btcli network name (docs/ARCHITECTURE.md § Chain). */
export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const

export type NetworkName = keyof typeof NETWORK_ENDPOINTS

/**
 * Resolve `--subtensor.network` / `--subtensor.chain_endpoint` the way btcli does: an explicit endpoint wins,
 * a known network name maps to its endpoint, and a ws(s):// URL given as the network is used as is.
 */
export function resolveEndpoint(network: string | undefined, chainEndpoint?: string): string {
  if (chainEndpoint) return assertWsUrl(chainEndpoint, '--subtensor.chain_endpoint')
  const name = network ?? 'finney'
  if (name in NETWORK_ENDPOINTS) return NETWORK_ENDPOINTS[name as NetworkName]
  if (/^wss?:\/\//.test(name)) return assertWsUrl(name, '--subtensor.network')
  throw new Error(
    `unknown --subtensor.network "${name}": use finney, test, local or a ws:// / wss:// URL`,
  )
}

function assertWsUrl(value: string, flag: string): string {
  try {
    const url = new URL(value)
    if (url.protocol === 'ws:' || url.protocol === 'wss:') return value
  } catch {
    // fall through to the error below
  }
  throw new Error(`${flag} "${value}" is not a ws:// or wss:// URL`)
}
