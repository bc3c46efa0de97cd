import type {KeyringPair} from '@polkadot/keyring/types'

import {coldkeyStake, formatTao, freeBalance, stakeNetuid, type SubtensorClient} from '../chain/index.js'
import {BitmindCommand, confirmed} from './base-command.js'
import {stakeFlags} from './flags.js'
import {endpointFrom, type SubtensorFlagValues, type WalletFlagValues, walletFrom, withSubtensor} from './subtensor.js'
import type {Wallet} from '../wallet/index.js'

/** What `stake add` and `stake remove` print with `--json`. */
export interface StakeResult {
  coldkey: string
  hotkey: string
  netuid: number
  /** TAO moved */
  amount: string
  /** TAO the coldkey has staked on the hotkey in the subnet afterwards */
  stake: string
  /** the coldkey's free TAO afterwards */
  balance: string
}

export type StakeFlagValues = WalletFlagValues & SubtensorFlagValues & {amount: string; netuid?: number; yes: boolean}

/** Where a stake change happens: the wallet's coldkey and hotkey on one subnet of a chain. */
export interface StakePlace {
  client: SubtensorClient
  wallet: Wallet
  coldkey: string
  hotkey: string
  netuid: number
}

/** What a command that calls `changeStake` lends it: its output and its `fail`. */
export interface CommandIo {
  log(line: string): void
  logToStderr(line: string): void
  fail(cause: unknown): never
}

/** The one way `stake add` and `stake remove` differ: which direction the TAO goes. */
export interface StakeDirection<A extends bigint | 'all'> {
  /** the `--amount` text in rao (throws on a bad amount) */
  parseAmount(text: string): A
  /** the rao to move once the chain is asked, or a failure (`io.fail`) that says why it cannot move */
  checkAmount(place: StakePlace, asked: A, io: CommandIo): Promise<bigint>
  question(place: StakePlace, rao: bigint): string
  submit(place: StakePlace, pair: KeyringPair, rao: bigint): Promise<unknown>
  /** the lines that say what happened, given the stake and free balance afterwards */
  report(place: StakePlace, rao: bigint, after: {stake: bigint; balance: bigint}, io: CommandIo): Promise<void>
}

/**
 * Move stake between the wallet's coldkey and its hotkey (docs/ARCHITECTURE.md § Chain): read the keys, connect,
 * settle the subnet, check the amount, confirm, sign with the coldkey, submit, report.
 */
export async function changeStake<A extends bigint | 'all'>(flags: StakeFlagValues, direction: StakeDirection<A>, io: CommandIo): Promise<StakeResult> {
  let asked: A
  let endpoint: string
  let coldkey: string
  let hotkey: string
  const wallet = await walletFrom(flags)
  try {
    asked = direction.parseAmount(flags.amount)
    endpoint = endpointFrom(flags)
    coldkey = wallet.coldkeyAddress
    hotkey = wallet.hotkeyAddress
  } catch (e) {
    io.fail(e)
  }
  return withSubtensor(endpoint, io.fail, async (client) => {
    const netuid = await stakeNetuid(client, hotkey, flags.netuid).catch(io.fail)
    const place: StakePlace = {client, wallet, coldkey, hotkey, netuid}
    const rao = await direction.checkAmount(place, asked, io)
    const no = await confirmed(direction.question(place, rao), flags.yes)
    if (no) io.fail(no)
    const pair = await wallet.coldkeyPair().catch(io.fail)
    await direction.submit(place, pair, rao).catch(io.fail)
    const [stake, balance] = await Promise.all([coldkeyStake(client, hotkey, coldkey, netuid), freeBalance(client, coldkey)])
    await direction.report(place, rao, {stake, balance}, io)
    return {coldkey, hotkey, netuid, amount: formatTao(rao), stake: formatTao(stake), balance: formatTao(balance)}
  })
}

/**
 * `stake add` and `stake remove`: a subclass names its `direction` and sets its own summary, examples and
 * `flags = stakeFlags(<what --amount means>)`; the run is this one.
 */
export abstract class StakeCommand<A extends bigint | 'all'> extends BitmindCommand {
  static override flags = stakeFlags('TAO to move')
  protected abstract readonly direction: StakeDirection<A>

  async run(): Promise<StakeResult> {
    const {flags} = await this.parse(this.ctor as typeof StakeCommand)
    return changeStake(flags, this.direction, {log: (l) => this.log(l), logToStderr: (l) => this.logToStderr(l), fail: (e) => this.fail(e)})
  }
}
