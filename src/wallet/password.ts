import {takeColdkeyPassword} from '../config/settings.js'
import {promptHidden} from './prompt.js'

/** A new coldkey password: '' when unencrypted is asked for, else BT_COLD_PW_<NAME>, else asked twice (hidden). */
export async function newPassword(walletName: string, noPassword: boolean): Promise<string> {
  if (noPassword) return ''
  const env = takeColdkeyPassword(walletName)
  if (env !== undefined) return env
  const a = await promptHidden(`New password for coldkey ${walletName}: `)
  const b = await promptHidden('Repeat the password: ')
  if (a !== b) throw new Error('the passwords differ')
  if (a.length < 6) throw new Error('use a password of at least 6 characters')
  return a
}
