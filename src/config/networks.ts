/** Subtensor endpoints by btcli network name (docs/ARCHITECTURE.md § Chain). */
export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const

export type NetworkName = keyof typeof NETWORK_ENDPOINTS

/** The settings resolveEndpoint reads: the btcli network name (or URL) and the explicit endpoint. */
export type EndpointSetting = 'subtensor.network' | 'subtensor.chain_endpoint'

/** A network that is neither a known name nor a ws:// / wss:// URL. */
export class UnknownNetworkError extends Error {
  readonly field: EndpointSetting = 'subtensor.network'

  constructor(readonly value: string) {
    super(`unknown network "${value}": use ${Object.keys(NETWORK_ENDPOINTS).join(', ')} or a ws:// / wss:// URL`)
    this.name = 'UnknownNetworkError'
  }
}

/** An endpoint (given as the endpoint, or as the network) that is not a ws:// or wss:// URL. */
export class EndpointUrlError extends Error {
  constructor(
    readonly field: EndpointSetting,
    readonly value: string,
  ) {
    super(`${field === 'subtensor.network' ? 'network' : 'chain endpoint'} "${value}" is not a ws:// or wss:// URL`)
    this.name = 'EndpointUrlError'
  }
}

/**
 * Resolve the network name and the chain endpoint the way btcli does: an explicit endpoint wins, a known network
 * name maps to its endpoint, and a ws(s):// URL given as the network is used as is.
 */
export function resolveEndpoint(network: string | undefined, chainEndpoint?: string): string {
  if (chainEndpoint) return assertWsUrl(chainEndpoint, 'subtensor.chain_endpoint')
  const name = network ?? 'finney'
  if (name in NETWORK_ENDPOINTS) return NETWORK_ENDPOINTS[name as NetworkName]
  if (/^wss?:\/\//.test(name)) return assertWsUrl(name, 'subtensor.network')
  throw new UnknownNetworkError(name)
}

function assertWsUrl(value: string, field: EndpointSetting): string {
  try {
    const url = new URL(value)
    if (url.protocol === 'ws:' || url.protocol === 'wss:') return value
  } catch {
    // fall through to the error below
  }
  throw new EndpointUrlError(field, value)
}
