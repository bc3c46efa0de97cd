import * as hashWasm from 'hash-wasm'

import {sealFromWork, workHash, type SealHashers} from './rules.js'

export {sealMeetsDifficulty} from './rules.js'

/**
 * Registration proof of work (docs/ARCHITECTURE.md § Chain, bittensor `utils/registration`) with hash-wasm: the seal
 * itself is src/chain/rules.ts, which the devnet checks with too; the solver loop lives in pow-solver.ts.
 */

/**
 * hash-wasm's synchronous hashers as SealHashers. Self-contained (it is given the module): the solver's workers run this
 * very function from its source text. One instance each, so not for concurrent use.
 */
export async function sealHashers(lib: Pick<typeof hashWasm, 'createKeccak' | 'createSHA256'>): Promise<SealHashers> {
  const keccak = await lib.createKeccak(256)
  const sha = await lib.createSHA256()
  return {
    keccak256: (data) => {
      keccak.init()
      keccak.update(data)
      return keccak.digest('binary')
    },
    sha256: (data) => {
      sha.init()
      sha.update(data)
      return sha.digest('binary')
    },
  }
}

let shared: Promise<SealHashers> | undefined
const hashers = () => (shared ??= sealHashers(hashWasm))

/** bh = keccak256(block_hash ‖ hotkey_pubkey), given to sealFor. */
export async function blockHotkeyHash(blockHash: Uint8Array, hotkey: Uint8Array): Promise<Uint8Array> {
  return workHash(await hashers(), blockHash, hotkey)
}

/** The seal for one nonce, given bh = blockHotkeyHash(...). */
export async function sealFor(bh: Uint8Array, nonce: bigint): Promise<Uint8Array> {
  return sealFromWork(await hashers(), bh, nonce)
}
