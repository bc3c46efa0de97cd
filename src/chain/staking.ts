import type {KeyringPair} from '@polkadot/keyring/types'

import type {SubmitResult, SubtensorClient} from './client.js'

/** Balances and stake, read and moved with the runtime's own calls: `balances.transferKeepAlive`,
 * `subtensorModule.addStake(hotkey, netuid, amountStaked)` and `removeStake(hotkey, netuid, amountUnstaked)` (args as
 * finney's spec-343 metadata defines them), all signed by the coldkey. Amounts are rao (1 TAO = 1e9). */

type Codec = {toString(): string; toJSON(): unknown}
const ZERO_ACCOUNT = '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM'

const bits = (c: unknown): bigint => {
  const b = (c as {bits?: {toBigInt(): bigint}}).bits
  return b ? b.toBigInt() : 0n
}
const big = (c: unknown): bigint => BigInt((c as Codec).toString())

export interface StakeEntry {
  hotkey: string
  netuid: number
  /** rao (alpha on dynamic-TAO runtimes) */
  rao: bigint
}

export async function freeBalance(client: SubtensorClient, address: string): Promise<bigint> {
  const acct = (await client.api.query.system!.account!(address)) as unknown as {data: {free: Codec}}
  return big(acct.data.free)
}

export function existentialDeposit(client: SubtensorClient): bigint {
  const c = client.api.consts.balances?.existentialDeposit
  return c === undefined ? 0n : big(c)
}

/** Whether the chain knows the hotkey (it has an owner: the pallet's `hotkey_account_exists`). */
export async function hotkeyExists(client: SubtensorClient, hotkey: string): Promise<boolean> {
  const owner = await client.api.query.subtensorModule!.owner!(hotkey)
  return owner.toString() !== ZERO_ACCOUNT
}

/** Subnets on which `hotkey` holds a uid. */
export async function registeredSubnets(client: SubtensorClient, hotkey: string): Promise<number[]> {
  const q = client.api.query.subtensorModule!
  const added = await q.networksAdded!.entries()
  const netuids = added.filter(([, v]) => (v as Codec).toJSON() === true).map(([k]) => Number((k.args[0] as Codec).toString()))
  const uids = await Promise.all(netuids.map((n) => q.uids!(n, hotkey)))
  return netuids.filter((_, i) => (uids[i] as unknown as {isSome: boolean}).isSome).sort((a, b) => a - b)
}

/**
 * The coldkey's stake on `hotkey` in `netuid`: on dynamic-TAO runtimes its Alpha shares out of TotalHotkeyShares,
 * valued at TotalHotkeyAlpha (the pallet's share pool); on older ones `Stake(hotkey, coldkey)`.
 */
export async function coldkeyStake(client: SubtensorClient, hotkey: string, coldkey: string, netuid: number): Promise<bigint> {
  const q = client.api.query.subtensorModule!
  if (client.features.stakeSource !== 'alpha') return typeof q.stake === 'function' ? big(await q.stake(hotkey, coldkey)) : 0n
  const [share, denom, value] = await Promise.all([q.alpha!(hotkey, coldkey, netuid), q.totalHotkeyShares!(hotkey, netuid), q.totalHotkeyAlpha!(hotkey, netuid)])
  const s = bits(share)
  const d = bits(denom)
  return s === 0n || d === 0n ? 0n : (s * big(value)) / d
}

/** Every (hotkey, netuid) the coldkey has stake on, from StakingHotkeys and the Alpha map. */
export async function stakesOf(client: SubtensorClient, coldkey: string): Promise<StakeEntry[]> {
  const q = client.api.query.subtensorModule!
  const hotkeys = typeof q.stakingHotkeys === 'function' ? ((await q.stakingHotkeys(coldkey)).toJSON() as string[]) : []
  const out: StakeEntry[] = []
  for (const hotkey of hotkeys) {
    const netuids =
      client.features.stakeSource === 'alpha'
        ? (await q.alpha!.keys(hotkey, coldkey)).map((k) => Number((k.args[2] as Codec).toString()))
        : [0]
    for (const netuid of [...new Set(netuids)].sort((a, b) => a - b)) {
      const rao = await coldkeyStake(client, hotkey, coldkey, netuid)
      if (rao > 0n) out.push({hotkey, netuid, rao})
    }
  }
  return out
}

export async function transferKeepAlive(client: SubtensorClient, from: KeyringPair, dest: string, rao: bigint): Promise<SubmitResult> {
  return client.submit(client.api.tx.balances!.transferKeepAlive!({Id: dest}, rao), from)
}

export async function addStake(client: SubtensorClient, coldkey: KeyringPair, hotkey: string, netuid: number, rao: bigint): Promise<SubmitResult> {
  return client.submit(client.api.tx.subtensorModule!.addStake!(hotkey, netuid, rao), coldkey, {netuid})
}

export async function removeStake(client: SubtensorClient, coldkey: KeyringPair, hotkey: string, netuid: number, rao: bigint): Promise<SubmitResult> {
  return client.submit(client.api.tx.subtensorModule!.removeStake!(hotkey, netuid, rao), coldkey, {netuid})
}

/**
 * The subnet a stake command acts on: `netuid` when given (it must exist), else the one subnet the hotkey is
 * registered on. Errors say what to pass or run.
 */
export async function stakeNetuid(client: SubtensorClient, hotkey: string, netuid?: number): Promise<number> {
  if (netuid !== undefined) {
    if (!(await client.subnetExists(netuid))) throw new Error(`subnet ${netuid} does not exist on ${client.endpoint}`)
    return netuid
  }
  const on = await registeredSubnets(client, hotkey)
  if (on.length === 1) return on[0]!
  if (on.length === 0) throw new Error(`hotkey ${hotkey} is not registered on any subnet of ${client.endpoint}: pass --netuid, or register it first (bitmind register --netuid N)`)
  throw new Error(`hotkey ${hotkey} is registered on netuids ${on.join(', ')}: pass --netuid`)
}
