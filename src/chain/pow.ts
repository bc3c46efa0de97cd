import {keccak, sha256} from 'hash-wasm'

/**
 * Registration proof of work (docs/ARCHITECTURE.md § Chain, bittensor `utils/registration`):
 *   bh   = keccak256(block_hash ‖ hotkey_pubkey)
 *   seal = keccak256(sha256(nonce u64 LE ‖ bh))
 * and the seal meets the difficulty when big-endian(seal) × difficulty < 2²⁵⁶ − 1.
 * Pure functions: the solver loop lives in pow-solver.ts / pow-worker.ts.
 */
const MAX = (1n << 256n) - 1n

export async function blockHotkeyHash(blockHash: Uint8Array, hotkey: Uint8Array): Promise<Uint8Array> {
  if (blockHash.length !== 32 || hotkey.length !== 32) throw new Error('block hash and hotkey public key are 32 bytes each')
  const buf = new Uint8Array(64)
  buf.set(blockHash, 0)
  buf.set(hotkey, 32)
  return hexBytes(await keccak(buf, 256))
}

export function nonceBytes(nonce: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, nonce), true)
  return out
}

/** The seal for one nonce, given bh = blockHotkeyHash(...). */
export async function sealFor(bh: Uint8Array, nonce: bigint): Promise<Uint8Array> {
  const buf = new Uint8Array(40)
  buf.set(nonceBytes(nonce), 0)
  buf.set(bh, 8)
  const inner = hexBytes(await sha256(buf))
  return hexBytes(await keccak(inner, 256))
}

export function sealMeetsDifficulty(seal: Uint8Array, difficulty: bigint): boolean {
  let v = 0n
  for (const b of seal) v = (v << 8n) | BigInt(b)
  return v * difficulty < MAX
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
