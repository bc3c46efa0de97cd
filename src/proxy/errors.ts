/** An error with the HTTP status the API answers; its message is the one line the caller sees. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message)
    this.name = 'HttpError'
  }
}
