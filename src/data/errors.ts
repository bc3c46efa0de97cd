/**
 * The data layer's typed errors, in a module without got or hyparquet so that the CLI's message translators load it
 * cheaply. See docs/ARCHITECTURE.md § Data.
 */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message)
    this.name = 'HubError'
  }
}

/** The hub's host name does not resolve: no network, no DNS, or a wrong endpoint. Not transient: never retried. */
export class HubUnresolvedError extends HubError {
  constructor(readonly host: string, readonly code: string | undefined) {
    super(`cannot resolve ${host} (${code}): no network or DNS here`)
    this.name = 'HubUnresolvedError'
  }
}

/** A byte budget smaller than a dataset's first parquet file (files are downloaded whole). */
export class ByteLimitTooSmallError extends Error {
  constructor(readonly dataset: string, readonly maxBytes: number, readonly file: string, readonly fileBytes: number | undefined) {
    super(`${dataset}: a byte limit of ${maxBytes} is smaller than its first parquet file (${file}, ${fileBytes} bytes); files are taken whole`)
    this.name = 'ByteLimitTooSmallError'
  }
}

/** A registry dataset with no parquet files in the cache (the message names the command that fetches it, which test/data asserts). */
export class DatasetNotDownloadedError extends Error {
  constructor(readonly dataset: string, readonly dir: string) {
    super(`no downloaded parquet files for ${dataset} in ${dir}: run \`bitmind download-data --datasets ${dataset}\``)
    this.name = 'DatasetNotDownloadedError'
  }
}
