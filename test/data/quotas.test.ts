import {describe, expect, it} from '@jest/globals'

import {quotas} from '../../src/data/offline-corpus.js'
import {createRng} from '../../src/config/random.js'

// `--per-class N` is the number of crops per class: the per-photo quotas must add up to exactly N, also when N is
// smaller than photos × the preferred minimum of 4 (74 photos × 4 = 296 was the old floor).
describe('offline corpus quotas', () => {
  const rng = createRng(7)
  const photos = Array.from({length: 74}, () => ({width: 640 + Math.floor(rng() * 4000), height: 480 + Math.floor(rng() * 3000)}))

  it.each([10, 74, 100, 296, 1000, 2500])('per class %i: the quotas sum to it, at least min(4, ⌊N/74⌋) each', (n) => {
    const q = quotas(photos, n, 4)
    expect(q.reduce((a, b) => a + b, 0)).toBe(n)
    expect(Math.min(...q)).toBeGreaterThanOrEqual(Math.min(4, Math.floor(n / 74)))
  })

  it('bigger photos get more crops', () => {
    const q = quotas([{width: 4000, height: 3000}, {width: 800, height: 600}], 100, 4)
    expect(q[0]).toBeGreaterThan(q[1]!)
  })
})
