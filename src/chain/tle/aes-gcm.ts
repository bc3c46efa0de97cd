/**
 * The crate's `AESGCMStreamCipherProvider` (ideal-lab5/timelock 5416406c, `tle/src/stream_ciphers.rs`): AES-256-GCM
 * under the 32-byte key the IBE header carries, a random 96-bit nonce, no associated data; the output is
 * `AESOutput {ciphertext: Vec<u8> (ciphertext ‖ 16-byte tag), nonce: Vec<u8>}`, arkworks-serialized into the
 * TLECiphertext's `body`.
 */
import {createCipheriv, createDecipheriv} from 'node:crypto'

import {ArkReader, ArkWriter, TleFormatError} from './serialize.js'

/** `CIPHER_SUITE` of the provider, stored in TLECiphertext.cipher_suite (`tld` does not check it) */
export const AES_GCM_CIPHER_SUITE = new TextEncoder().encode('AES_GCM_')
const NONCE_LEN = 12
const TAG_LEN = 16

export class AesGcmError extends Error {
  override readonly name = 'AesGcmError'
}

export function aesGcmEncrypt(message: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError(`AES-256-GCM key must be 32 bytes, got ${key.length}`)
  if (nonce.length !== NONCE_LEN) throw new RangeError(`AES-GCM nonce must be ${NONCE_LEN} bytes, got ${nonce.length}`)
  const c = createCipheriv('aes-256-gcm', key, nonce, {authTagLength: TAG_LEN})
  const body = Buffer.concat([c.update(message), c.final(), c.getAuthTag()])
  return new ArkWriter().bytes(body).bytes(nonce).finish()
}

/** Decrypt an arkworks-serialized AESOutput; a wrong key or altered bytes fail the tag check (AesGcmError). */
export function aesGcmDecrypt(serialized: Uint8Array, key: Uint8Array): Uint8Array {
  const r = new ArkReader(serialized, 'AES-GCM body')
  const ct = r.bytes('ciphertext')
  const nonce = r.bytes('nonce')
  if (nonce.length !== NONCE_LEN) throw new TleFormatError(`AES-GCM body: nonce must be ${NONCE_LEN} bytes, got ${nonce.length}`)
  if (ct.length < TAG_LEN) throw new TleFormatError(`AES-GCM body: ciphertext of ${ct.length} bytes has no room for the tag`)
  const d = createDecipheriv('aes-256-gcm', key, nonce, {authTagLength: TAG_LEN})
  d.setAuthTag(ct.subarray(ct.length - TAG_LEN))
  try {
    return new Uint8Array(Buffer.concat([d.update(ct.subarray(0, ct.length - TAG_LEN)), d.final()]))
  } catch {
    throw new AesGcmError('AES-GCM decryption failed: wrong key or altered ciphertext')
  }
}
