import WebSocket from 'ws'

/** The endpoint did not answer: `reason` is why (a DNS failure, or the last of `attempts` refused/timed-out tries). */
export class ChainUnreachableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: 'dns' | 'unanswered',
    detail: string,
  ) {
    super(`cannot connect to ${endpoint}: ${detail}`)
    this.name = 'ChainUnreachableError'
  }
}

/** A failed lookup of the endpoint's host: no network or a wrong name; retrying does not help. */
export function isDnsFailure(err: unknown): boolean {
  const code = (err as {code?: unknown})?.code
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME'
}

function describe(err: Error & {code?: string}): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ETIMEDOUT':
      return 'timed out'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'network unreachable'
    default:
      return err.code ?? err.message
  }
}

function openOnce(endpoint: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoint, {handshakeTimeout: timeoutMs})
    ws.once('open', () => {
      ws.close()
      resolve()
    })
    ws.once('error', (err) => {
      ws.terminate()
      reject(err)
    })
  })
}

export interface ProbeOptions {
  /** tries in all (default 3) */
  attempts?: number
  /** pause between tries (default 1 s) */
  delayMs?: number
  /** WebSocket handshake limit per try (default 3 s) */
  timeoutMs?: number
  /** told once, at the first failed try (default: one line on stderr) */
  onRetry?: (message: string) => void
}

/**
 * Check that a WebSocket endpoint answers before @polkadot/api is pointed at it (its provider retries forever and logs
 * every attempt). A DNS failure fails at once; refused or timed-out connections are tried `attempts` times, reported
 * once. The ChainUnreachableError names the endpoint and what to check.
 */
export async function probeEndpoint(endpoint: string, opts: ProbeOptions = {}): Promise<void> {
  const attempts = opts.attempts ?? 3
  const delayMs = opts.delayMs ?? 1000
  const onRetry = opts.onRetry ?? ((m: string) => process.stderr.write(m + '\n'))
  const t0 = Date.now()
  let last: Error & {code?: string} = new Error('no attempt')
  for (let i = 0; i < attempts; i++) {
    try {
      await openOnce(endpoint, opts.timeoutMs ?? 3000)
      return
    } catch (err) {
      last = err as Error & {code?: string}
      if (isDnsFailure(err)) {
        throw new ChainUnreachableError(endpoint, 'dns', `its host name does not resolve (${last.code}); check the address and the network`)
      }
      if (i === 0 && attempts > 1) onRetry(`chain ${endpoint}: ${describe(last)}; retrying for ${((attempts - 1) * delayMs) / 1000} s`)
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, delayMs))
    }
  }
  const s = ((Date.now() - t0) / 1000).toFixed(1)
  throw new ChainUnreachableError(endpoint, 'unanswered', `${describe(last)} (${attempts} tries in ${s} s); is a chain running there?`)
}
