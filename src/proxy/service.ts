import type {KeyringPair} from '@polkadot/keyring/types'

import {silentLogger, type Logger} from '../config/logger.js'
import {ImageSynapse} from '../protocol/index.js'
import {aggregate, isValidPrediction} from './aggregate.js'
import {DendritePool} from './dendrite-pool.js'
import {HttpError} from './errors.js'
import {challengeFromUpload} from './image.js'
import type {ProxyMetrics} from './metrics.js'
import type {DetectResponse, MinerAnswerJson, MinersResponse} from './schemas.js'
import {topMiners, type ProxyMetagraph} from './select.js'

export interface ProxyServiceOptions {
  /** the metagraph of the subnet (the chain client's `metagraph(netuid)`) */
  metagraph: () => Promise<ProxyMetagraph>
  netuid: number
  /** the validator hotkey: it signs the dendrite requests, so the miners' blacklists let them through */
  hotkey: KeyringPair
  /** miners asked per image (default 10) */
  miners?: number
  /** seconds each miner gets (default 10) */
  timeoutS?: number
  /** seconds a metagraph read is reused (default 60) */
  metagraphTtlS?: number
  metrics?: ProxyMetrics
  logger?: Logger
}

type Status = MinerAnswerJson['status']

function statusOf(code: number, prediction: number | undefined): Status {
  if (code === 200) return isValidPrediction({statusCode: code, prediction}) ? 'ok' : 'invalid'
  if (code === 408) return 'timeout'
  if (code === 503) return 'unreachable'
  if (code === 401 || code === 403) return 'refused'
  return 'error'
}

/** What the API does, without HTTP: pick the miners, ask them, aggregate; keeps the metagraph and the last latencies. */
export class ProxyService {
  readonly k: number
  readonly timeoutS: number
  private readonly pool: DendritePool
  private readonly log: Logger
  private snapshot: {mg: ProxyMetagraph; at: number} | undefined
  private reading: Promise<ProxyMetagraph> | undefined
  private readonly lastSeen = new Map<string, {latency: number; status: Status}>()

  constructor(private readonly opts: ProxyServiceOptions) {
    this.k = opts.miners ?? 10
    this.timeoutS = opts.timeoutS ?? 10
    this.pool = new DendritePool(opts.hotkey)
    this.log = opts.logger ?? silentLogger
  }

  get hotkey(): string {
    return this.opts.hotkey.address
  }

  get netuid(): number {
    return this.opts.netuid
  }

  get block(): number | null {
    return this.snapshot?.mg.block ?? null
  }

  /** The cached metagraph; a stale one is refreshed (one read at a time), and kept when the chain cannot be read. */
  async metagraph(): Promise<ProxyMetagraph> {
    const ttl = (this.opts.metagraphTtlS ?? 60) * 1000
    if (this.snapshot && performance.now() - this.snapshot.at < ttl) return this.snapshot.mg
    this.reading ??= this.opts
      .metagraph()
      .then((mg) => {
        this.snapshot = {mg, at: performance.now()}
        return mg
      })
      .finally(() => {
        this.reading = undefined
      })
    try {
      return await this.reading
    } catch (err) {
      if (this.snapshot) {
        this.log.warn('metagraph read failed; using the last one', {error: (err as Error).message, block: this.snapshot.mg.block})
        return this.snapshot.mg
      }
      throw new HttpError(503, `cannot read the metagraph of subnet ${this.opts.netuid}: ${(err as Error).message.split('\n')[0]}`)
    }
  }

  async miners(): Promise<MinersResponse> {
    const mg = await this.metagraph()
    const picked = topMiners(mg, this.k, {excludeHotkey: this.hotkey})
    return {
      netuid: this.opts.netuid,
      block: mg.block,
      k: this.k,
      miners: picked.map((m) => {
        const seen = this.lastSeen.get(m.hotkey)
        return {uid: m.uid, hotkey: m.hotkey, incentive: m.incentive, stake: m.stake, last_latency_s: seen?.latency ?? null, last_status: seen?.status ?? null}
      }),
    }
  }

  /** The pool's answer for one uploaded image file; HttpError for bad input (400/413) and for no valid answer (503). */
  async detect(file: Buffer | {base64: string}): Promise<DetectResponse> {
    const image = await challengeFromUpload(file)
    const mg = await this.metagraph()
    const picked = topMiners(mg, this.k, {excludeHotkey: this.hotkey})
    if (picked.length === 0) throw new HttpError(503, `no miner on subnet ${this.opts.netuid} serves an axon: nothing to ask`)
    const targets = picked.map((m) => ({ip: m.ip, port: m.port, hotkey: m.hotkey, uid: m.uid}))
    const results = await this.pool.use((d) => d.query(targets, ImageSynapse, {image}, {timeoutS: this.timeoutS}))
    const miners: MinerAnswerJson[] = results.map((r, i) => {
      const m = picked[i]!
      const p = r.statusCode === 200 ? r.synapse?.prediction : undefined
      const status = statusOf(r.statusCode, p)
      this.lastSeen.set(m.hotkey, {latency: r.processTime, status})
      this.opts.metrics?.minerResults.inc({status})
      return {
        uid: m.uid,
        hotkey: m.hotkey,
        prediction: typeof p === 'number' && Number.isFinite(p) ? p : null,
        latency_s: r.processTime,
        status,
        status_code: r.statusCode,
        incentive: m.incentive,
      }
    })
    const answer = aggregate(miners.map((m) => ({uid: m.uid, incentive: m.incentive, prediction: m.prediction ?? undefined, statusCode: m.status_code})))
    this.opts.metrics?.answered.observe(answer?.counted.length ?? 0)
    if (!answer) {
      const why = [...new Set(miners.map((m) => m.status))].join(', ')
      throw new HttpError(503, `none of the ${miners.length} miners queried answered validly (${why}); try again later`, {miners})
    }
    return {probability: answer.probability, verdict: answer.verdict, miners, responded: answer.counted.length, queried: miners.length, block: mg.block}
  }

  close(): void {
    this.pool.close()
  }
}
