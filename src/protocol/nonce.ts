import {NONCE_WINDOW_MIN_VERSION} from './version.js'

/** How far in the past a first nonce may be, beyond the request's own timeout (the SDK's `ALLOWED_DELTA`). */
export const ALLOWED_DELTA_NS = 4_000_000_000n

/**
 * The axon's nonce rule (SDK ≥ 7.2 `default_verify`): per `"{hotkey}:{uuid}"`, a first nonce must be newer than
 * now − (4 s + timeout), later ones strictly greater than the last accepted. Entries are bounded so a flood of
 * fresh uuids cannot grow memory without limit (the oldest keys go first).
 */
export class NonceTracker {
  private readonly last = new Map<string, bigint>()

  constructor(private readonly maxEntries = 100_000) {}

  /** Returns a reason when the nonce must be refused, else undefined. Does not record. */
  check(key: string, nonce: bigint, version: number | undefined, timeoutS: number, nowNs: bigint): string | undefined {
    const prev = this.last.get(key)
    if (version !== undefined && version >= NONCE_WINDOW_MIN_VERSION) {
      const windowNs = ALLOWED_DELTA_NS + BigInt(Math.round(timeoutS * 1e9))
      if (prev === undefined && nonce <= nowNs - windowNs) {
        const age = Number(nowNs - nonce) / 1e9
        return `Nonce is too old: acceptable delta is ${(Number(windowNs) / 1e9).toFixed(2)} seconds but request was ${age.toFixed(2)} seconds old`
      }
      if (prev !== undefined && nonce <= prev) return 'Nonce is too old, a newer one was last processed'
      return undefined
    }
    if (prev !== undefined && nonce <= prev) return 'Nonce is too old, a newer one was last processed'
    return undefined
  }

  record(key: string, nonce: bigint): void {
    this.last.delete(key)
    this.last.set(key, nonce)
    if (this.last.size > this.maxEntries) {
      const oldest = this.last.keys().next().value
      if (oldest !== undefined) this.last.delete(oldest)
    }
  }

  get size(): number {
    return this.last.size
  }
}
