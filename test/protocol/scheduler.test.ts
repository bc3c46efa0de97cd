import {describe, expect, it} from '@jest/globals'

import {CallerBusyError, PriorityScheduler, QueueFullError, QueueTimeoutError} from '../../src/protocol/scheduler.js'
import {NonceTracker} from '../../src/protocol/nonce.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('PriorityScheduler', () => {
  it('runs waiting work highest stake first and bounds queue and per-caller load', async () => {
    const s = new PriorityScheduler({concurrency: 1, maxQueue: 2, perCallerConcurrency: 2})
    const order: string[] = []
    const job = (name: string, ms = 20) => async () => {
      order.push(name)
      await sleep(ms)
      return name
    }
    const first = s.run('a', 0, 1000, job('a-first', 40))
    await sleep(5)
    const low = s.run('b', 1, 1000, job('b-low'))
    const high = s.run('c', 100, 1000, job('c-high'))
    await expect(s.run('d', 5, 1000, job('d'))).rejects.toBeInstanceOf(QueueFullError)
    await Promise.all([first, low, high])
    expect(order).toEqual(['a-first', 'c-high', 'b-low'])

    const hog = new PriorityScheduler({concurrency: 4, maxQueue: 4, perCallerConcurrency: 1})
    const busy = hog.run('x', 0, 1000, job('x1', 30))
    await expect(hog.run('x', 0, 1000, job('x2'))).rejects.toBeInstanceOf(CallerBusyError)
    await busy
  })

  it('gives up on a slot after the timeout', async () => {
    const s = new PriorityScheduler({concurrency: 1, maxQueue: 4, perCallerConcurrency: 4})
    const long = s.run('a', 0, 1000, () => sleep(80))
    await expect(s.run('b', 0, 20, async () => 1)).rejects.toBeInstanceOf(QueueTimeoutError)
    await long
    expect(s.queued).toBe(0)
  })
})

describe('NonceTracker', () => {
  const now = 2_000_000_000_000_000_000n
  it('applies the time window to a first nonce and monotonicity after', () => {
    const t = new NonceTracker()
    expect(t.check('k', now - 17_000_000_000n, 9007000, 12, now)).toMatch(/too old/)
    expect(t.check('k', now - 15_000_000_000n, 9007000, 12, now)).toBeUndefined()
    t.record('k', now)
    expect(t.check('k', now, 9007000, 12, now)).toMatch(/newer one/)
    expect(t.check('k', now + 1n, 9007000, 12, now)).toBeUndefined()
    // callers older than 7.2.0 only need increasing nonces
    expect(t.check('old', 5n, 7001000, 12, now)).toBeUndefined()
    t.record('old', 5n)
    expect(t.check('old', 5n, 7001000, 12, now)).toBe('Nonce is too old, a newer one was last processed')
  })
  it('bounds its memory', () => {
    const t = new NonceTracker(3)
    for (let i = 0; i < 10; i++) t.record(`k${i}`, BigInt(i))
    expect(t.size).toBe(3)
  })
})
