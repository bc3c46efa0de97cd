import {createRng} from '../config/random.js'

/**
 * A keyed pseudo-random permutation of 0..n-1 in O(1) memory: a 4-round Feistel network over the smallest
 * even-bit power of two ≥ n, with cycle-walking back into range. Pools of millions of rows are shuffled
 * without materialising an index array.
 */
export class FeistelPermutation {
  private readonly halfBits: number
  private readonly mask: number
  private readonly keys: number[]

  constructor(
    readonly n: number,
    seed: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`permutation size must be a positive integer, got ${n}`)
    let bits = 2
    while (2 ** bits < n) bits += 2
    this.halfBits = bits / 2
    this.mask = 2 ** this.halfBits - 1
    const rng = createRng(seed)
    this.keys = [0, 1, 2, 3].map(() => Math.floor(rng() * 2 ** 32) >>> 0)
  }

  private round(x: number, key: number): number {
    let h = Math.imul(x ^ key, 0x9e3779b1) >>> 0
    h ^= h >>> 15
    h = Math.imul(h, 0x85ebca77) >>> 0
    h ^= h >>> 13
    return h & this.mask
  }

  private encrypt(x: number): number {
    let l = Math.floor(x / 2 ** this.halfBits)
    let r = x & this.mask
    for (const k of this.keys) {
      const t = l ^ this.round(r, k)
      l = r
      r = t
    }
    return l * 2 ** this.halfBits + r
  }

  /** The i-th element of the permutation (0 ≤ i < n). */
  at(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new RangeError(`index ${i} out of range 0..${this.n - 1}`)
    let x = this.encrypt(i)
    while (x >= this.n) x = this.encrypt(x)
    return x
  }
}

/**
 * Draws indices 0..size-1 without replacement within an epoch, in a fresh order every epoch, deterministic under
 * the seed. Memory does not grow with `size`.
 */
export class EpochSampler {
  private perm: FeistelPermutation
  private pos = 0
  private epochNo = 0

  constructor(
    readonly size: number,
    private readonly seed = 0,
  ) {
    this.perm = new FeistelPermutation(size, this.epochSeed(0))
  }

  private epochSeed(epoch: number): number {
    return (Math.imul(this.seed >>> 0, 0x01000193) ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0
  }

  get epoch(): number {
    return this.epochNo
  }

  /** Position inside the current epoch (how many indices it has handed out). */
  get position(): number {
    return this.pos
  }

  next(): number {
    if (this.pos >= this.size) {
      this.epochNo++
      this.pos = 0
      this.perm = new FeistelPermutation(this.size, this.epochSeed(this.epochNo))
    }
    return this.perm.at(this.pos++)
  }

  take(k: number): number[] {
    const out: number[] = []
    for (let i = 0; i < k; i++) out.push(this.next())
    return out
  }
}
