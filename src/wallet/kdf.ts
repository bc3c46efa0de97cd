import {argon2i} from 'hash-wasm'

/**
 * The $NACL key: argon2i (v1.3, one lane, 32 bytes) of the password under btwallet's fixed salt, as libsodium's
 * crypto_pwhash_argon2i computes it (memlimit bytes / 1024 = memory KiB). The native @node-rs/argon2 runs the KDF on
 * the libuv pool, ~2.5x faster than wasm at btcli's 512 MiB × 8 cost and without blocking the event loop; hash-wasm
 * is the fallback where the native binary is missing (another platform, a stripped install). Both give the same bytes.
 */
export interface Argon2iParams {
  password: string
  salt: Uint8Array
  iterations: number
  memoryKiB: number
}

type NativeHashRaw = (
  password: string,
  opts: {algorithm: number; version: number; memoryCost: number; timeCost: number; parallelism: number; outputLen: number; salt: Uint8Array},
) => Promise<Buffer>

// @node-rs/argon2 declares Algorithm/Version as ambient const enums (unusable under isolatedModules): their values
const ARGON2I = 1
const V0X13 = 1

let native: Promise<NativeHashRaw | undefined> | undefined

function loadNative(): Promise<NativeHashRaw | undefined> {
  native ??= import('@node-rs/argon2').then(
    (m) => m.hashRaw as unknown as NativeHashRaw,
    () => undefined,
  )
  return native
}

export type Argon2Backend = 'native' | 'wasm'

/** Which implementation argon2iKey will use here. */
export async function argon2Backend(): Promise<Argon2Backend> {
  return (await loadNative()) ? 'native' : 'wasm'
}

export async function argon2iKey(p: Argon2iParams, backend?: Argon2Backend): Promise<Uint8Array> {
  const n = backend === 'wasm' ? undefined : await loadNative()
  if (backend === 'native' && !n) throw new Error('the native argon2 binding (@node-rs/argon2) is not installed for this platform')
  if (n) {
    const out = await n(p.password, {
      algorithm: ARGON2I,
      version: V0X13,
      memoryCost: p.memoryKiB,
      timeCost: p.iterations,
      parallelism: 1,
      outputLen: 32,
      salt: p.salt,
    })
    return new Uint8Array(out)
  }
  return argon2i({
    password: p.password,
    salt: p.salt,
    iterations: p.iterations,
    memorySize: p.memoryKiB,
    parallelism: 1,
    hashLength: 32,
    outputType: 'binary',
  })
}
