import {silentLogger, type Logger} from '../config/logger.js'
import type {NeuronMetagraph, MinerChain} from '../chain/neuron.js'
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
 * stake-ordered priority read from a metagraph that is re-synced every epoch. A caller the metagraph does not
 * know (e.g. a validator registered since the last sync) triggers a re-read first, limited to one per block:
 * concurrent unknown callers share the read in flight, and until the chain's next block no new one starts.
 */
export class Miner<I> {
  private mg: NeuronMetagraph
  readonly policy: CallerPolicy
  private readonly batcher: PredictBatcher<I>
  private readonly log: Logger
  private syncTimer: NodeJS.Timeout | undefined
  /** block at which `mg` was read */
  private lastSyncBlock = 0
  private syncFailing = false
  /** newest block the chain announced (from subscribeBlocks) */
  private headBlock: number
  private unsubscribe: (() => void) | undefined
  private reread: Promise<void> | undefined

  private constructor(private readonly opts: MinerOptions<I>, mg: NeuronMetagraph, block: number) {
    this.mg = mg
    this.lastSyncBlock = block
    this.headBlock = block
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
    const miner = new Miner(opts, mg, block)
    if (opts.chain.subscribeBlocks) {
      miner.unsubscribe = await opts.chain.subscribeBlocks((b) => {
        if (b > miner.headBlock) miner.headBlock = b
      })
    }
    return miner
  }

  get metagraph(): NeuronMetagraph {
    return this.mg
  }

  async blacklist(callerHotkey: string): Promise<BlacklistDecision> {
    if (!this.policy.isRegistered(callerHotkey) && !this.opts.allowNonRegistered) await this.rereadForUnknownCaller(callerHotkey)
    const d = this.policy.blacklist(callerHotkey)
    if (d.blocked) {
      this.opts.metrics?.requests.inc({outcome: 'blacklisted'})
      this.log.debug('blacklisted', {caller: callerHotkey, reason: d.reason})
    }
    return d
  }

  /** One metagraph read per block at most, shared by every unknown caller that arrives while it runs. */
  private rereadForUnknownCaller(callerHotkey: string): Promise<void> {
    if (this.reread) return this.reread
    const block = this.headBlock
    if (block <= this.lastSyncBlock) return Promise.resolve()
    this.reread = (async () => {
      try {
        this.mg = await this.opts.chain.metagraph()
        this.lastSyncBlock = block
        this.log.debug('metagraph re-read for an unknown caller', {caller: callerHotkey, block, n: this.mg.uids.length})
      } catch (err) {
        // counts as this block's read: a failing chain is not asked again per request
        this.lastSyncBlock = block
        this.log.warn('metagraph re-read failed; keeping the previous one', {error: (err as Error).message})
      } finally {
        this.reread = undefined
      }
    })()
    return this.reread
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
          if (block > this.headBlock) this.headBlock = block
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
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.reread
    await this.opts.holder.close()
  }
}
