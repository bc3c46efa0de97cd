import {KeyfileError} from './keyfile.js'

/**
 * A key file the wallet needs is not on disk (docs/ARCHITECTURE.md § Wallets). `walletExists` tells a missing hotkey
 * of a wallet that has its coldkey from a wallet that is not there at all, so a caller can say which key to make.
 */
export class WalletNotFoundError extends KeyfileError {
  constructor(
    file: string,
    readonly wallet: {name: string; hotkey: string; path: string},
    readonly missing: 'coldkey' | 'hotkey',
    readonly walletExists: boolean,
  ) {
    super(file, `no ${missing} here${walletExists ? '' : ` (no wallet "${wallet.name}" yet)`}`)
    this.name = 'WalletNotFoundError'
  }
}

/** A key file would be written over, and the caller did not allow it (`overwrite`). */
export class KeyExistsError extends Error {
  constructor(readonly file: string) {
    super(`${file} exists`)
    this.name = 'KeyExistsError'
  }
}

/**
 * Text that is neither an SS58 address nor the name of a wallet in `walletDir`; `field` names the setting it came
 * from (e.g. 'dest').
 */
export class UnknownAddressError extends Error {
  constructor(
    readonly text: string,
    readonly walletDir: string,
    readonly field: string,
  ) {
    super(`unknown address "${text}" (${field}): not an SS58 address, and no wallet of that name in ${walletDir}`)
    this.name = 'UnknownAddressError'
  }
}

/** A development account URI that is not of the `//Alice` form. */
export class DevUriError extends Error {
  constructor(readonly uri: string) {
    super(`"${uri}" is not a development URI such as //Alice`)
    this.name = 'DevUriError'
  }
}
