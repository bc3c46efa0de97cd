import {silentLogger, type Logger} from '../config/logger.js'
import type {MetagraphLike, MinerChain} from '../chain/neuron.js'
import {PredictBatcher, type BatcherOptions} from './batcher.js'
import type {MinerMetrics} from './metrics.js'
import type {ModelHolder} from './model-holder.js'
import {CallerPolicy, type BlacklistDecision} from './policy.js'

export interface MinerOptions<I> {
  holder: ModelHolder<I>
  /** bytes of the challenge image → model input (decodeImage for RgbImage detectors) */
  decode: (bytes: Buffer) => Promise<I>
  chain: MinerChain
  forceValidatorPermit: boolean
  allowNonRegistered?: boolean
  /** stake floor for callers (0/undefined: none) */
  minStake?: number
  epochLength?: number
  batch?: BatcherOptions
  logger?: Logger
  metrics?: MinerMetrics
}

/**
 * The miner's request path: base64 JPEG → image → (batched) detector → probability, behind a blacklist and a
 * stake-ordered priority read from a metagraph that is re-synced every epoch.
 */
export class Miner<I> {
  private mg: MetagraphLike
  readonly policy: CallerPolicy
  private readonly batcher: PredictBatcher<I>
  private readonly log: Logger
  private syncTimer: NodeJS.Timeout | undefined
  private lastSyncBlock = 0
  private syncFailing = false

  private constructor(private readonly opts: MinerOptions<I>, mg: MetagraphLike, block: number) {
    this.mg = mg
    this.lastSyncBlock = block
    this.log = opts.logger ?? silentLogger
    this.policy = new CallerPolicy(() => this.mg, {
      forceValidatorPermit: opts.forceValidatorPermit,
      allowNonRegistered: opts.allowNonRegistered,
      minStake: opts.minStake,
    })
    this.batcher = new PredictBatcher<I>(async (inputs) => {
      opts.metrics?.batchSize.observe(inputs.length)
      return opts.holder.predict(inputs)
    }, opts.batch)
  }

  static async create<I>(opts: MinerOptions<I>): Promise<Miner<I>> {
    const [mg, block] = await Promise.all([opts.chain.metagraph(), opts.chain.currentBlock()])
    opts.metrics?.modelGeneration.set(opts.holder.generation)
    return new Miner(opts, mg, block)
  }

  get metagraph(): MetagraphLike {
    return this.mg
  }

  blacklist(callerHotkey: string): BlacklistDecision {
    const d = this.policy.blacklist(callerHotkey)
    if (d.blocked) {
      this.opts.metrics?.requests.inc({outcome: 'blacklisted'})
      this.log.debug('blacklisted', {caller: callerHotkey, reason: d.reason})
    }
    return d
  }

  priority(callerHotkey: string): number {
    return this.policy.priority(callerHotkey)
  }

  /** Answer one challenge: the probability that the image is synthetic. */
  async predictBase64(image: string): Promise<number> {
    const t0 = performance.now()
    let input: I
    try {
      const bytes = Buffer.from(image, 'base64')
      if (bytes.length === 0) throw new Error('empty image')
      input = await this.opts.decode(bytes)
    } catch (err) {
      this.opts.metrics?.requests.inc({outcome: 'bad_image'})
      throw new Error(`cannot decode the challenge image: ${(err as Error).message}`)
    }
    const p = await this.batcher.submit(input)
    const m = this.opts.metrics
    if (m) {
      m.requests.inc({outcome: 'ok'})
      m.predictSeconds.observe((performance.now() - t0) / 1000)
      m.modelGeneration.set(this.opts.holder.generation)
    }
    return p
  }

  /** Re-read the metagraph when an epoch has passed (checked every `checkMs`). */
  startSync(checkMs = 12_000): void {
    const epoch = this.opts.epochLength ?? 100
    this.syncTimer = setInterval(() => {
      void (async () => {
        try {
          if (this.opts.chain.connected?.() === false) throw new Error('chain connection is down')
          const block = await this.opts.chain.currentBlock()
          if (block - this.lastSyncBlock < epoch) return
          this.mg = await this.opts.chain.metagraph()
          this.lastSyncBlock = block
          this.log.info('metagraph synced', {block, n: this.mg.uids.length})
          this.syncFailing = false
        } catch (err) {
          // once per outage: a chain that is down for an hour must not print a line every check
          if (!this.syncFailing) this.log.warn('metagraph sync failed; keeping the previous one', {error: (err as Error).message})
          this.syncFailing = true
        }
      })()
    }, checkMs)
    this.syncTimer.unref()
  }

  async stop(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer)
    await this.opts.holder.close()
  }
}
