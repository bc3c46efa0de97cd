import type {KeyringPair} from '@polkadot/keyring/types'
import type {Registry} from 'prom-client'

import type {Logger} from '../config/logger.js'
import {Axon, EpistulaEndpoint, EpistulaRefusal, ImageSynapse, checkChallengeImage} from '../protocol/index.js'
import type {Miner} from './miner.js'

export interface MinerAxonOptions {
  hotkey: KeyringPair
  /** 0 = a free port */
  port: number
  ip?: string
  externalIp?: string
  externalPort?: number
  logger?: Logger
  registry?: Registry
  limits?: AxonLimits
}

/** The axon's tunable limits (the mine command's axon settings); unset ones keep the Axon defaults. */
export interface AxonLimits {
  maxBodyBytes?: number
  concurrency?: number
  maxQueue?: number
  perCallerConcurrency?: number
  bodyTimeoutMs?: number
  headersTimeoutMs?: number
  maxConnections?: number
}

/** An axon answering ImageSynapse with the miner's prediction, behind its blacklist and stake priority. */
export async function startMinerAxon<I>(miner: Miner<I>, opts: MinerAxonOptions): Promise<Axon> {
  const axon = new Axon({
    hotkey: opts.hotkey,
    port: opts.port,
    ip: opts.ip,
    externalIp: opts.externalIp,
    externalPort: opts.externalPort,
    logger: opts.logger,
    registry: opts.registry,
    ...opts.limits,
    blacklist: (caller) => miner.blacklist(caller),
    priority: (caller) => miner.priority(caller),
  })
  axon.attach(ImageSynapse, async (synapse) => {
    synapse.prediction = await miner.predictBase64(synapse.image)
    return synapse
  })
  return axon.start()
}

export interface MinerEpistulaOptions {
  hotkey: KeyringPair
  /** mount `/detect_image` on this axon's port (and count it in its metrics) ... */
  axon?: Axon
  /** ... or serve it on its own port (0 = a free one), bound to `ip` */
  port?: number
  ip?: string
  /** ms clock for the timestamp window (tests replaying a fixture) */
  now?: () => number
  logger?: Logger
}

/**
 * Epistula v2's `POST /detect_image` (bitmind-subnet v3.x): the raw image body, checked as ImageSynapse's image is,
 * answered `{"status": "success", "prediction": [p_real, p_synthetic]}` (our detector has no semisynthetic class),
 * behind the axon's blacklist and priority.
 */
export async function startMinerEpistula<I>(miner: Miner<I>, opts: MinerEpistulaOptions): Promise<EpistulaEndpoint> {
  const endpoint = new EpistulaEndpoint({
    hotkey: opts.hotkey,
    logger: opts.logger,
    now: opts.now,
    metrics: opts.axon?.metrics,
    blacklist: (caller) => miner.blacklist(caller),
    priority: (caller) => miner.priority(caller),
  })
  endpoint.route('detect_image', async (body) => {
    try {
      await checkChallengeImage(body)
    } catch (err) {
      throw new EpistulaRefusal(400, `Invalid image: ${(err as Error).message}`, 'invalid_image')
    }
    // the miner's request path (metrics, batching) takes base64; re-encoding costs microseconds next to the model
    const p = await miner.predictBase64(body.toString('base64'))
    return {status: 'success', prediction: [1 - p, p]}
  })
  if (opts.port !== undefined && opts.port !== opts.axon?.port) return endpoint.listen(opts.port, opts.ip)
  if (!opts.axon) throw new Error('startMinerEpistula needs an axon to mount on or a port of its own')
  opts.axon.mount('detect_image', (req, res) => endpoint.handle(req, res))
  return endpoint
}
