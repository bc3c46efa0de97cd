import nacl from 'tweetnacl'
import {z} from 'zod'

import {argon2iKey} from './kdf.js'

/**
 * btcli keyfiles (docs/ARCHITECTURE.md § Wallets): plain JSON, or `$NACL` ‖ secretbox(nonce 24 ‖ ciphertext) under
 * argon2i(password, fixed salt) with libsodium's SENSITIVE limits, as btwallet's keyfile.rs does.
 */
export const NACL_PREFIX = '$NACL'
export const NACL_SALT = Buffer.from('137183dff15a09bc9c90b5518739e9b1', 'hex')
/** crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE (512 MiB) */
export const ARGON2_OPSLIMIT = 8
export const ARGON2_MEMLIMIT_KIB = 512 * 1024

export type KeyfileEncoding = 'plain' | 'nacl' | 'ansible-vault' | 'fernet'

export class KeyfileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`)
    this.name = 'KeyfileError'
  }
}

export const keyfileJsonSchema = z.object({
  accountId: z.string().nullish(),
  publicKey: z.string().nullish(),
  privateKey: z.string().nullish(),
  secretPhrase: z.string().nullish(),
  secretSeed: z.string().nullish(),
  ss58Address: z.string().nullish(),
})
export type KeyfileJson = z.infer<typeof keyfileJsonSchema>

export function detectEncoding(data: Uint8Array): KeyfileEncoding {
  const head = Buffer.from(data.subarray(0, 16)).toString('latin1')
  if (head.startsWith(NACL_PREFIX)) return 'nacl'
  if (head.startsWith('$ANSIBLE_VAULT')) return 'ansible-vault'
  if (head.startsWith('gAAAAA')) return 'fernet'
  return 'plain'
}

/** argon2i cost; btwallet's values by default (tests may lower them for their own round trips) */
export interface KdfCost {
  iterations: number
  memoryKiB: number
}
export const BTWALLET_KDF: KdfCost = {iterations: ARGON2_OPSLIMIT, memoryKiB: ARGON2_MEMLIMIT_KIB}

async function deriveKey(password: string, cost: KdfCost): Promise<Uint8Array> {
  return argon2iKey({password, salt: NACL_SALT, iterations: cost.iterations, memoryKiB: cost.memoryKiB})
}

export async function encryptKeyfile(plain: Uint8Array, password: string, cost = BTWALLET_KDF): Promise<Buffer> {
  const key = await deriveKey(password, cost)
  const nonce = nacl.randomBytes(nacl.secretbox.nonceLength)
  const box = nacl.secretbox(plain, nonce, key)
  return Buffer.concat([Buffer.from(NACL_PREFIX, 'latin1'), nonce, box])
}

export async function decryptKeyfile(data: Uint8Array, password: string, file = 'keyfile', cost = BTWALLET_KDF): Promise<Buffer> {
  const enc = detectEncoding(data)
  if (enc === 'ansible-vault' || enc === 'fernet') {
    throw new KeyfileError(
      file,
      `uses the legacy ${enc === 'fernet' ? 'Fernet' : 'Ansible-vault'} encryption, which bitmind does not read; ` +
        'open it once with btcli (`btcli wallet update`) to re-encrypt it as $NACL',
    )
  }
  if (enc !== 'nacl') return Buffer.from(data)
  const body = data.subarray(NACL_PREFIX.length)
  if (body.length < nacl.secretbox.nonceLength + nacl.secretbox.overheadLength) throw new KeyfileError(file, 'is truncated')
  const key = await deriveKey(password, cost)
  const out = nacl.secretbox.open(body.subarray(nacl.secretbox.nonceLength), body.subarray(0, nacl.secretbox.nonceLength), key)
  if (!out) throw new KeyfileError(file, 'wrong password (or a corrupted file)')
  return Buffer.from(out)
}

export function parseKeyfileJson(data: Uint8Array, file: string): KeyfileJson {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(data).toString('utf8'))
  } catch {
    throw new KeyfileError(file, 'is not a keyfile (not JSON)')
  }
  const r = keyfileJsonSchema.safeParse(raw)
  if (!r.success) throw new KeyfileError(file, 'is not a keyfile (unexpected fields)')
  return r.data
}
