/**
 * Runs admitted requests highest-priority first (priority = the caller's stake), with a bounded number running
 * at once, a bounded queue, and a cap on how many one caller may have in flight, so no single validator can
 * take the miner for itself.
 */
export class QueueFullError extends Error {}
export class CallerBusyError extends Error {}
export class QueueTimeoutError extends Error {}

interface Waiting {
  priority: number
  seq: number
  start: () => void
  cancel: (err: Error) => void
}

export interface SchedulerOptions {
  concurrency: number
  maxQueue: number
  perCallerConcurrency: number
}

export class PriorityScheduler {
  private running = 0
  private seq = 0
  private readonly queue: Waiting[] = []
  private readonly perCaller = new Map<string, number>()

  constructor(private readonly opts: SchedulerOptions) {}

  get queued(): number {
    return this.queue.length
  }

  /** Waits for a slot (up to `timeoutMs`), then runs `fn`. */
  async run<T>(caller: string, priority: number, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const mine = this.perCaller.get(caller) ?? 0
    if (mine >= this.opts.perCallerConcurrency) throw new CallerBusyError(`caller has ${mine} requests in flight`)
    if (this.running >= this.opts.concurrency && this.queue.length >= this.opts.maxQueue) throw new QueueFullError('queue is full')
    this.perCaller.set(caller, mine + 1)
    try {
      await this.acquire(priority, timeoutMs)
      try {
        return await fn()
      } finally {
        this.release()
      }
    } finally {
      const n = (this.perCaller.get(caller) ?? 1) - 1
      if (n <= 0) this.perCaller.delete(caller)
      else this.perCaller.set(caller, n)
    }
  }

  private acquire(priority: number, timeoutMs: number): Promise<void> {
    if (this.running < this.opts.concurrency) {
      this.running++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        priority,
        seq: this.seq++,
        start: () => {
          clearTimeout(timer)
          resolve()
        },
        cancel: reject,
      }
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(entry)
        if (i >= 0) this.queue.splice(i, 1)
        reject(new QueueTimeoutError(`waited ${timeoutMs} ms for a slot`))
      }, timeoutMs)
      // keep the queue sorted: higher priority first, FIFO among equals
      let i = this.queue.length
      while (i > 0 && (this.queue[i - 1]!.priority < priority)) i--
      this.queue.splice(i, 0, entry)
    })
  }

  private release(): void {
    const next = this.queue.shift()
    if (next) next.start()
    else this.running--
  }
}
