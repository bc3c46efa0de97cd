/** An error with the HTTP status the API answers; its message is the one line the caller sees. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message)
    this.name = 'HttpError'
  }
}

/** The proxy's HTTP server could not bind its address (docs/ARCHITECTURE.md § Proxy); `reason` is the system's word. */
export class ProxyListenError extends Error {
  constructor(readonly host: string, readonly port: number, readonly reason: string) {
    super(`cannot listen on ${host}:${port} (${reason})`)
    this.name = 'ProxyListenError'
  }
}
