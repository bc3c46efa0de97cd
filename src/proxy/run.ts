import type {KeyringPair} from '@polkadot/keyring/types'

import type {Logger} from '../config/logger.js'
import {resolveEndpoint} from '../config/networks.js'
import {connectSubtensor, type SubtensorClient} from '../chain/index.js'
import {loadHotkey, notRegisteredError} from '../chain/neuron.js'
import {DEFAULT_PROXY_PORT, startProxy, type ProxyServer} from './server.js'

/** The settings of the proxy alone (`bitmind proxy`) and of the proxy beside a validator. */
export interface ProxySettings {
  port?: number
  host: string
  miners: number
  timeoutS: number
  rateLimit: number
  keysFile?: string
  version?: string
}

/** The proxy on a chain client the caller already has (the validator's), signing with its hotkey. */
export function proxyOnChain(client: SubtensorClient, netuid: number, hotkey: KeyringPair, s: ProxySettings, logger?: Logger): Promise<ProxyServer> {
  return startProxy({
    metagraph: () => client.metagraph(netuid),
    netuid,
    hotkey,
    port: s.port ?? DEFAULT_PROXY_PORT,
    host: s.host,
    miners: s.miners,
    timeoutS: s.timeoutS,
    rateLimit: s.rateLimit,
    keysFile: s.keysFile,
    version: s.version,
    logger,
  })
}

export interface RunProxyOptions extends ProxySettings {
  netuid: number
  network?: string
  chainEndpoint?: string
  wallet: {name: string; hotkey: string; path: string}
  logger: Logger
  signal: AbortSignal
  onListening?: (url: string) => void
}

/** `bitmind proxy`: the proxy alone, no scoring loop, until the signal aborts. */
export async function runProxy(opts: RunProxyOptions): Promise<{url: string}> {
  const endpoint = resolveEndpoint(opts.network, opts.chainEndpoint)
  const hotkey = await loadHotkey(opts.wallet)
  const client = await connectSubtensor(endpoint)
  try {
    // miners blacklist callers that are not registered: an unregistered proxy would only collect 403s
    const uid = await client.uidOf(opts.netuid, hotkey.address)
    if (uid === undefined) throw notRegisteredError(hotkey.address, opts)
    const server = await proxyOnChain(client, opts.netuid, hotkey, opts, opts.logger)
    opts.logger.info('proxy serving', {url: server.url, netuid: opts.netuid, uid, hotkey: hotkey.address, endpoint, keysFile: opts.keysFile})
    opts.onListening?.(server.url)
    if (!opts.signal.aborted) await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), {once: true}))
    await server.close()
    return {url: server.url}
  } finally {
    await client.close()
  }
}
