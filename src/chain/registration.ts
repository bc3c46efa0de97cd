import type {KeyringPair} from '@polkadot/keyring/types'
import {u8aToHex} from '@polkadot/util'
import {decodeAddress} from '@polkadot/util-crypto'

import type {SubtensorClient} from './client.js'
import {ChainCallError} from './errors.js'
import {solvePow, type PowProgress} from './pow-solver.js'

/** Registration of a hotkey on a subnet, by burn or by proof of work (docs/ARCHITECTURE.md § Chain). */

export interface PowRegisterOptions {
  workers?: number
  onProgress?: (p: PowProgress & {block: number}) => void
  maxAttempts?: number
}

async function uidAfterRegister(client: SubtensorClient, netuid: number, hotkey: string): Promise<number> {
  const uid = await client.uidOf(netuid, hotkey)
  if (uid === undefined) throw new Error(`registration was included but ${hotkey} has no uid on netuid ${netuid}`)
  return uid
}

/** burned_register signed by the coldkey; returns the uid. */
export async function burnedRegister(client: SubtensorClient, coldkey: KeyringPair, hotkey: string, netuid: number): Promise<number> {
  await client.submit(client.api.tx.subtensorModule!.burnedRegister!(netuid, hotkey), coldkey, {netuid})
  return uidAfterRegister(client, netuid, hotkey)
}

/**
 * PoW `register` signed by the hotkey: solve for the current block on worker threads, and start over when the chain
 * moves 3 blocks past it (the SDK's staleness rule) or the chain says the work block is invalid.
 */
export async function powRegister(
  client: SubtensorClient,
  hotkey: KeyringPair,
  coldkeyAddress: string,
  netuid: number,
  opts: PowRegisterOptions = {},
): Promise<number> {
  for (let attempt = 0; attempt < (opts.maxAttempts ?? 10); attempt++) {
    const {difficulty, powRegistrationAllowed} = await client.hyperparameters(netuid)
    if (!powRegistrationAllowed) throw new Error(`PoW registration is not allowed on netuid ${netuid}: use burned registration`)
    const block = await client.currentBlock()
    const blockHash = (await client.api.rpc.chain.getBlockHash(block)).toU8a()
    const ac = new AbortController()
    const unsub = await client.subscribeBlocks((b) => {
      if (b - block >= 3) ac.abort()
    })
    let solution
    try {
      solution = await solvePow({
        blockHash,
        hotkey: decodeAddress(hotkey.address),
        difficulty,
        workers: opts.workers,
        signal: ac.signal,
        onProgress: (p) => opts.onProgress?.({...p, block}),
      })
    } finally {
      unsub()
    }
    if (!solution) continue
    try {
      await client.submit(
        client.api.tx.subtensorModule!.register!(netuid, block, solution.nonce, u8aToHex(solution.seal), hotkey.address, coldkeyAddress),
        hotkey,
        {netuid},
      )
      return uidAfterRegister(client, netuid, hotkey.address)
    } catch (err) {
      if (err instanceof ChainCallError && err.code.endsWith('InvalidWorkBlock')) continue
      throw err
    }
  }
  throw new Error(`PoW registration on netuid ${netuid} did not succeed after ${opts.maxAttempts ?? 10} attempts`)
}
