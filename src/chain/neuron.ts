import type {KeyringPair} from '@polkadot/keyring/types'

import {openWallet, type WalletRef} from '../wallet/index.js'
import type {SubtensorClient} from './client.js'
import type {AxonInfo, Metagraph} from './reads.js'

/**
 * What both neurons (miner and validator) need from the chain and the wallet: the metagraph as they read it, the
 * hotkey they sign with, and the "not registered" error (the CLI words it: src/cli/messages/chain.ts). Validator-only glue (set_weights, add_stake) stays in
 * src/validator/chain-adapter.ts.
 */

/** The axon fields the neurons read: where to reach it and, where known, whose it is. */
export type NeuronAxon = Pick<AxonInfo, 'ip' | 'port'> & Partial<Pick<AxonInfo, 'hotkey'>>

type ReadonlyArrays<T> = {readonly [K in keyof T]: T[K] extends (infer E)[] ? readonly E[] : T[K]}

/** The metagraph fields the neurons read (the client's Metagraph is one). */
export type NeuronMetagraph = ReadonlyArrays<Pick<Metagraph, 'uids' | 'hotkeys' | 'stake' | 'validatorPermit' | 'lastUpdate'>> & {
  readonly axons: readonly NeuronAxon[]
}

/** The chain as the miner uses it. */
export interface MinerChain {
  currentBlock(): Promise<number>
  metagraph(): Promise<NeuronMetagraph>
  /** false while the connection is down (calls then would only fail, and polkadot prints a line for each) */
  connected?(): boolean
  /** new block numbers as the chain produces them; returns the unsubscribe (optional: without it, no on-demand re-reads) */
  subscribeBlocks?(cb: (block: number) => void): Promise<() => void>
}

export function minerChain(client: SubtensorClient, netuid: number): MinerChain {
  return {
    currentBlock: () => client.currentBlock(),
    metagraph: () => client.metagraph(netuid),
    connected: () => client.api.isConnected,
    subscribeBlocks: (cb) => client.subscribeBlocks(cb),
  }
}

/** The neuron's signing key: the btcli hotkey file of the wallet (plain JSON, btcli's default). */
export async function loadHotkey(ref: WalletRef): Promise<KeyringPair> {
  return (await openWallet(ref)).hotkeyPair()
}

/** Where a neuron looked for its hotkey: what a caller needs to tell the user how to register it. */
export interface NeuronContext {
  netuid: number
  wallet: {name: string; hotkey: string; path: string}
  /** the network name the user chose (default finney), unless chainEndpoint was given */
  network?: string
  chainEndpoint?: string
}

/** The neuron's hotkey has no uid on the subnet: it must be registered first. */
export class NotRegisteredError extends Error {
  readonly netuid: number
  readonly wallet: NeuronContext['wallet']
  readonly network?: string
  readonly chainEndpoint?: string

  constructor(
    readonly hotkey: string,
    ctx: NeuronContext,
  ) {
    super(`hotkey ${hotkey} is not registered on subnet ${ctx.netuid}`)
    this.name = 'NotRegisteredError'
    this.netuid = ctx.netuid
    this.wallet = ctx.wallet
    this.network = ctx.network
    this.chainEndpoint = ctx.chainEndpoint
  }
}

export function notRegisteredError(hotkey: string, ctx: NeuronContext): NotRegisteredError {
  return new NotRegisteredError(hotkey, ctx)
}
