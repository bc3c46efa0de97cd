import {WsProvider} from '@polkadot/api'

import type {Logger} from '../config/logger.js'

/** First retry after this long, doubling per failed attempt up to RECONNECT_MAX_MS. */
export const RECONNECT_MIN_MS = 500
export const RECONNECT_MAX_MS = 5_000

/** Delay before reconnect attempt `n` (0-based): 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export function backoffMs(attempt: number, minMs = RECONNECT_MIN_MS, maxMs = RECONNECT_MAX_MS): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
}

export type ConnectionEvent =
  | {kind: 'lost'; endpoint: string}
  | {kind: 'restored'; endpoint: string; attempts: number; downMs: number}

/**
 * A WsProvider that reconnects with exponential backoff instead of polkadot's fixed 2.5 s retry, and quietly: the
 * stock provider prints an error line on every failed retry, this one runs in polkadot's manual mode (which prints
 * nothing) and reports one `lost` and one `restored` event per outage to `onEvent`.
 */
export class BackoffWsProvider extends WsProvider {
  private attempts = 0
  private downSince: number | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private closedByUser = false
  private readonly listeners = new Set<(e: ConnectionEvent) => void>()

  constructor(endpoint: string, private readonly delays: {minMs?: number; maxMs?: number} = {}) {
    super(endpoint, false)
    this.on('connected', () => {
      if (this.downSince !== undefined) {
        const e: ConnectionEvent = {kind: 'restored', endpoint, attempts: this.attempts, downMs: Date.now() - this.downSince}
        this.downSince = undefined
        for (const l of this.listeners) l(e)
      }
      this.attempts = 0
    })
    this.on('disconnected', () => this.scheduleRetry(endpoint))
    this.connect().catch(() => this.scheduleRetry(endpoint))
  }

  /** Called once per outage with `lost`, once with `restored`; returns an unsubscribe function. */
  onConnectionEvent(listener: (e: ConnectionEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  override async disconnect(): Promise<void> {
    this.closedByUser = true
    clearTimeout(this.retryTimer)
    await super.disconnect()
  }

  private scheduleRetry(endpoint: string): void {
    if (this.closedByUser || this.retryTimer) return
    if (this.downSince === undefined) {
      this.downSince = Date.now()
      for (const l of this.listeners) l({kind: 'lost', endpoint})
    }
    const wait = backoffMs(this.attempts++, this.delays.minMs, this.delays.maxMs)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.closedByUser || this.isConnected) return
      // a refused socket reports through 'disconnected', which schedules the next attempt
      this.connect().catch(() => this.scheduleRetry(endpoint))
    }, wait)
    this.retryTimer.unref()
  }
}

/** The neurons' log lines for a dropped chain connection: one warning when it drops, one info line when it is back. */
export function logConnectionEvents(log: Pick<Logger, 'warn' | 'info'>) {
  return (e: ConnectionEvent): void => {
    if (e.kind === 'lost') {
      log.warn('chain connection lost; reconnecting with backoff', {endpoint: e.endpoint, retryMs: `${RECONNECT_MIN_MS}..${RECONNECT_MAX_MS}`})
    } else {
      log.info('chain connection restored', {endpoint: e.endpoint, attempts: e.attempts, downS: Number((e.downMs / 1000).toFixed(1))})
    }
  }
}
