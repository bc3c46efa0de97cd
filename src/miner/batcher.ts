/**
 * Collects concurrent requests into one model call: the first request opens a short window (`windowMs`); every
 * request that arrives before it closes, up to `maxBatch`, rides along. One predict over N images costs much less
 * than N predicts on ONNX Runtime and tfjs.
 */
export interface BatcherOptions {
  maxBatch?: number
  windowMs?: number
}

interface Pending<I> {
  item: I
  resolve: (v: number) => void
  reject: (e: Error) => void
}

export class PredictBatcher<I> {
  private queue: Pending<I>[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly maxBatch: number
  private readonly windowMs: number
  /** sizes of the batches run so far (metrics and tests) */
  readonly batchSizes: number[] = []

  constructor(private readonly run: (items: I[]) => Promise<number[]>, opts: BatcherOptions = {}) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 16)
    this.windowMs = Math.max(0, opts.windowMs ?? 5)
  }

  submit(item: I): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({item, resolve, reject})
      if (this.queue.length >= this.maxBatch) this.flush()
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.windowMs)
    })
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      this.batchSizes.push(batch.length)
      void this.runBatch(batch)
    }
  }

  private async runBatch(batch: Pending<I>[]): Promise<void> {
    try {
      const out = await this.run(batch.map((p) => p.item))
      if (out.length !== batch.length) throw new Error(`model returned ${out.length} predictions for ${batch.length} images`)
      batch.forEach((p, i) => p.resolve(out[i]!))
    } catch (err) {
      for (const p of batch) p.reject(err as Error)
    }
  }
}
