import {describe, expect, it} from '@jest/globals'

import {createRng, permutation, randInt} from '../../src/config/random.js'

describe('createRng', () => {
  it('repeats under a seed and differs across seeds', () => {
    const a = createRng(7), b = createRng(7), c = createRng(8)
    const xs = [a(), a(), a()]
    expect([b(), b(), b()]).toEqual(xs)
    expect(c()).not.toBe(xs[0])
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
  })
  it('gives a permutation and bounded ints', () => {
    const p = Array.from(permutation(createRng(1), 100)).sort((x, y) => x - y)
    expect(p).toEqual(Array.from({length: 100}, (_, i) => i))
    const rng = createRng(3)
    for (let i = 0; i < 1000; i++) {
      const v = randInt(rng, 5, 9)
      expect(v >= 5 && v < 9).toBe(true)
    }
  })
})
