import {DEFAULT_WALLET_PATH} from '../../config/paths.js'
import {ProxyListenError} from '../../proxy/errors.js'
import {DevUriError, KeyExistsError, UnknownAddressError, WalletNotFoundError} from '../../wallet/errors.js'

/** Turns typed errors of the misc libraries (wallet, proxy) into command-line words (flag names, the command to run next). */
export function miscMessage(err: unknown): string | undefined {
  if (err instanceof WalletNotFoundError) return walletNotFoundMessage(err)
  if (err instanceof KeyExistsError) return `${err.file} exists; pass --overwrite to replace it`
  if (err instanceof UnknownAddressError) {
    return `unknown address --${err.field} "${err.text}": not an SS58 address, and no wallet of that name in ${err.walletDir}`
  }
  if (err instanceof DevUriError) return `--from "${err.uri}" is not a development URI such as //Alice`
  if (err instanceof ProxyListenError) return `${err.message}: pick another --proxy.port`
  return undefined
}

/** The command that makes the missing key: `create` for a wallet that does not exist, `new-hotkey` for a missing hotkey of one that does. */
function walletNotFoundMessage(err: WalletNotFoundError): string {
  const {name, hotkey, path} = err.wallet
  const at = `--wallet.name ${name}${path === DEFAULT_WALLET_PATH ? '' : ` --wallet.path ${path}`}`
  const fix =
    err.walletExists && err.missing === 'hotkey'
      ? `bitmind wallet new-hotkey ${at} --wallet.hotkey ${hotkey}`
      : `bitmind wallet create ${at}${err.missing === 'hotkey' ? ` --wallet.hotkey ${hotkey}` : ''}`
  return `${err.file}: no ${err.missing} here (${err.walletExists ? '' : `no wallet "${name}" yet; `}create it with \`${fix}\`)`
}
