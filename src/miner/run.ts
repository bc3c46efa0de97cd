import os from 'node:os'

import type {Logger} from '../config/logger.js'
import {resolveEndpoint} from '../config/networks.js'
import {expandHome} from '../config/paths.js'
import {decodeImage, type RgbImage} from '../image/index.js'
import {connectSubtensor, logConnectionEvents} from '../chain/index.js'
import {loadHotkey, minerChain, notRegisteredError} from '../chain/neuron.js'
import {serveMetrics} from '../protocol/index.js'
import type {BatcherOptions} from './batcher.js'
import {MinerMetrics} from './metrics.js'
import {Miner} from './miner.js'
import {ModelHolder} from './model-holder.js'
import {startMinerAxon, startMinerEpistula, type AxonLimits} from './serve.js'

export interface RunMinerOptions {
  netuid: number
  network?: string
  chainEndpoint?: string
  wallet: {name: string; hotkey: string; path: string}
  axon: {port: number; ip?: string; externalIp?: string; externalPort?: number; limits?: AxonLimits}
  modelPath: string
  backend?: string
  provider?: string
  epochLength: number
  batch: BatcherOptions
  forceValidatorPermit: boolean
  allowNonRegistered: boolean
  /** stake floor for callers (0: none) */
  minStake?: number
  /** Epistula v2 `/detect_image` on its own port; undefined: on the axon's port */
  epistulaPort?: number
  serve: boolean
  /** serve Prometheus metrics on this port (0 = any free port); off when undefined */
  metricsPort?: number
  /** address the metrics server binds (default 127.0.0.1) */
  metricsHost?: string
  logger: Logger
  signal: AbortSignal
}

/** First non-internal IPv4 address: what to announce when `axon.externalIp` is not given (no internet lookup). */
export function localExternalIp(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}

/** `bitmind mine`: connect, check registration, load the model, serve the axon (and announce it), until stopped. */
export async function runMiner(opts: RunMinerOptions): Promise<{uid: number; port: number; served: {ip: string; port: number} | null}> {
  const log = opts.logger
  const endpoint = resolveEndpoint(opts.network, opts.chainEndpoint)
  const hotkey = await loadHotkey(opts.wallet)
  const client = await connectSubtensor(endpoint, {onConnectionEvent: logConnectionEvents(log.child('chain'))})
  const closers: (() => Promise<unknown>)[] = [() => client.close()]
  try {
    const uid = await client.uidOf(opts.netuid, hotkey.address)
    if (uid === undefined) throw notRegisteredError(hotkey.address, opts)
    const metrics = new MinerMetrics()
    // after the registration check: the detector modules pull in tfjs and ONNX Runtime
    const {loadDetector} = await import('../detector/index.js')
    const modelPath = expandHome(opts.modelPath)
    const holder = await ModelHolder.open<RgbImage>(modelPath, (p) => loadDetector(p, {backend: opts.backend, provider: opts.provider}), {
      logger: log.child('model'),
      onReload: (e) => (e.ok ? metrics.modelGeneration.set(e.generation) : metrics.reloadFailures.inc()),
    })
    closers.push(() => holder.close())
    log.info('model loaded', {path: modelPath, name: holder.modelName})
    const miner = await Miner.create<RgbImage>({
      holder,
      decode: (bytes) => decodeImage(bytes, {name: 'challenge'}),
      chain: minerChain(client, opts.netuid),
      forceValidatorPermit: opts.forceValidatorPermit,
      allowNonRegistered: opts.allowNonRegistered,
      minStake: opts.minStake,
      epochLength: opts.epochLength,
      batch: opts.batch,
      logger: log,
      metrics,
    })
    closers.push(() => miner.stop())
    const axon = await startMinerAxon(miner, {
      hotkey,
      port: opts.axon.port,
      ip: opts.axon.ip,
      externalIp: opts.axon.externalIp,
      externalPort: opts.axon.externalPort,
      logger: log.child('axon'),
      registry: metrics.registry,
      limits: opts.axon.limits,
    })
    closers.push(() => axon.stop())
    const epistula = await startMinerEpistula(miner, {hotkey, axon, port: opts.epistulaPort, ip: opts.axon.ip, logger: log.child('epistula')})
    closers.push(() => epistula.stop())
    log.info('epistula v2 serving', {path: '/detect_image', port: epistula.port ?? axon.port})
    let served: {ip: string; port: number} | null = null
    if (opts.serve) {
      const ip = opts.axon.externalIp ?? (opts.axon.ip && opts.axon.ip !== '0.0.0.0' ? opts.axon.ip : localExternalIp())
      const port = opts.axon.externalPort ?? axon.port
      const onChain = miner.metagraph.axons[uid]
      if (onChain?.ip === ip && onChain.port === port) log.info('axon already announced on chain', {ip, port})
      else {
        await client.serveAxon(hotkey, opts.netuid, {ip, port})
        log.info('axon announced on chain', {ip, port, uid})
      }
      served = {ip, port}
    }
    miner.startSync()
    if (opts.metricsPort !== undefined) {
      const server = await serveMetrics(metrics.registry, opts.metricsPort, opts.metricsHost)
      closers.push(() => server.close())
      log.info('metrics', {url: server.url})
    }
    log.info('miner running', {netuid: opts.netuid, uid, hotkey: hotkey.address, port: axon.port})
    await new Promise<void>((resolve) => {
      if (opts.signal.aborted) return resolve()
      opts.signal.addEventListener('abort', () => resolve(), {once: true})
    })
    return {uid, port: axon.port, served}
  } finally {
    for (const close of closers.reverse()) await close().catch((err: Error) => log.warn('shutdown step failed', {error: err.message}))
  }
}
