import type {KeyringPair} from '@polkadot/keyring/types'

import {openWallet, type WalletRef} from '../wallet/index.js'
import type {SubtensorClient} from './client.js'

/**
 * What both neurons (miner and validator) need from the chain and the wallet: the metagraph as they read it, the
 * hotkey they sign with, and the "not registered" error. Validator-only glue (set_weights, add_stake) stays in
 * src/validator/chain-adapter.ts.
 */

/** The parts of the chain's AxonInfo the neurons read (structurally compatible with it). */
export interface AxonLike {
  ip: string
  port: number
  hotkey?: string
}

/** The parts of the chain client's Metagraph the neurons read (structurally compatible with it). */
export interface MetagraphLike {
  uids: readonly number[]
  hotkeys: readonly string[]
  stake: readonly number[]
  validatorPermit: readonly boolean[]
  lastUpdate: readonly number[]
  axons: readonly AxonLike[]
}

/** The chain as the miner uses it. */
export interface MinerChain {
  currentBlock(): Promise<number>
  metagraph(): Promise<MetagraphLike>
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

export interface RegisterHintOptions {
  netuid: number
  wallet: {name: string; hotkey: string; path: string}
  network?: string
  chainEndpoint?: string
}

/** The line a user runs when their hotkey is not registered yet. */
export function registerHint(opts: RegisterHintOptions): string {
  const net = opts.chainEndpoint ? `--subtensor.chain_endpoint ${opts.chainEndpoint}` : `--subtensor.network ${opts.network ?? 'finney'}`
  return `bitmind register --netuid ${opts.netuid} --wallet.name ${opts.wallet.name} --wallet.hotkey ${opts.wallet.hotkey} ${net}`
}

/** The line that stakes on the hotkey, so that the subnet's next epoch gives it a validator permit. */
export function stakeHint(opts: RegisterHintOptions): string {
  const net = opts.chainEndpoint ? `--subtensor.chain_endpoint ${opts.chainEndpoint}` : `--subtensor.network ${opts.network ?? 'finney'}`
  return `bitmind stake add --amount <TAO> --netuid ${opts.netuid} --wallet.name ${opts.wallet.name} --wallet.hotkey ${opts.wallet.hotkey} ${net}`
}

export function notRegisteredError(hotkey: string, opts: RegisterHintOptions): Error {
  return new Error(`hotkey ${hotkey} is not registered on subnet ${opts.netuid}. Register it first:\n  ${registerHint(opts)}`)
}
