import os from 'node:os'
import path from 'node:path'

/**
 * Everything the environment decides, read once when the process starts (flags that default from a variable are
 * declared on the flag itself, in src/cli). The one exception is the coldkey password: it is a secret, so it is
 * read at the moment it is needed and removed from the environment (`takeColdkeyPassword`).
 */
export interface Settings {
  /** datasets, converted models, the ESRGAN weights: $XDG_CACHE_HOME/bitmind, else ~/.cache/bitmind */
  readonly cacheDir: string
  /** the user's dataset registry lives here: $XDG_CONFIG_HOME/bitmind, else ~/.config/bitmind */
  readonly configDir: string
  /** salts and weights of commit-reveal rounds not yet revealed (must outlive a restart) */
  readonly commitDir: string
  /** BITMIND_LOG_FORMAT=json: one JSON object per log line */
  readonly logFormat: 'json' | 'text'
  /** BITMIND_CORPUS: an offline corpus folder the demo takes its real photos from */
  readonly corpus: string | undefined
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.length > 0 ? v : undefined
}

export function readSettings(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): Settings {
  return Object.freeze({
    cacheDir: path.join(nonEmpty(env.XDG_CACHE_HOME) ?? path.join(home, '.cache'), 'bitmind'),
    configDir: path.join(nonEmpty(env.XDG_CONFIG_HOME) ?? path.join(home, '.config'), 'bitmind'),
    commitDir: path.join(home, '.bittensor', 'bitmind', 'commits'),
    logFormat: env.BITMIND_LOG_FORMAT === 'json' ? 'json' : 'text',
    corpus: nonEmpty(env.BITMIND_CORPUS),
  })
}

export const settings: Settings = readSettings()

/** The environment variable btcli reads a coldkey password from (its canonical spelling). */
export function passwordEnvVar(walletName: string): string {
  return `BT_COLD_PW_${walletName.replace(/-/g, '_').toUpperCase()}`
}

/**
 * The password from the environment as btwallet looks it up: `-` read as `_`, the variable name case-insensitive.
 * The variable is removed once read, so that nothing later in the process (a child, a crash dump, a log of the
 * environment) can see it.
 */
export function takeColdkeyPassword(walletName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const want = passwordEnvVar(walletName)
  const key = env[want] !== undefined ? want : Object.keys(env).find((k) => k.toUpperCase() === want)
  if (key === undefined) return undefined
  const value = env[key]
  delete env[key]
  return value
}
