import {ApiPromise, WsProvider} from '@polkadot/api'
import type {SubmittableExtrinsic} from '@polkadot/api/types'
import type {KeyringPair} from '@polkadot/keyring/types'

import type {MetagraphLike} from './uids.js'

/**
 * The few Subtensor reads and calls the neurons need, straight over @polkadot/api with the storage and call names
 * of the current runtime (DESIGN §7; checked against the finney spec-343 metadata the devnet serves). This is the
 * neurons' own thin client so they run while the full chain client (src/chain) is not available; it sets weights
 * only where commit-reveal is off and says so clearly otherwise.
 */
export interface NeuronMetagraph extends MetagraphLike {
  n: number
  block: number
  coldkeys: string[]
  /** 0..1 fractions (u16 / 65535) */
  incentive: number[]
  dividends: number[]
  trust: number[]
  consensus: number[]
}

const RAO = 1e9
const U16 = 65535

export class NeuronChainClient {
  private constructor(readonly api: ApiPromise, readonly endpoint: string) {}

  static async connect(endpoint: string, opts: {timeoutMs?: number} = {}): Promise<NeuronChainClient> {
    const provider = new WsProvider(endpoint, false)
    const timeoutMs = opts.timeoutMs ?? 20_000
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        provider.connect(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from ${endpoint} within ${timeoutMs / 1000}s`)), timeoutMs))),
      ])
      const api = await Promise.race([
        ApiPromise.create({provider, noInitWarn: true, throwOnConnect: true}),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${endpoint} did not serve chain metadata within ${timeoutMs / 1000}s`)), timeoutMs))),
      ])
      if (!api.tx.subtensorModule) throw new Error(`${endpoint} is not a Subtensor chain (no SubtensorModule)`)
      return new NeuronChainClient(api, endpoint)
    } catch (err) {
      await provider.disconnect().catch(() => {})
      throw new Error(`cannot connect to ${endpoint}: ${(err as Error).message}`)
    } finally {
      if (timer) clearTimeout(timer)
    }
  }

  async currentBlock(): Promise<number> {
    const header = await this.api.rpc.chain.getHeader()
    return header.number.toNumber()
  }

  async uidOf(netuid: number, hotkey: string): Promise<number | undefined> {
    const opt = (await this.api.query.subtensorModule.uids(netuid, hotkey)) as unknown as {isSome: boolean; unwrap(): {toNumber(): number}}
    return opt.isSome ? opt.unwrap().toNumber() : undefined
  }

  async subnetExists(netuid: number): Promise<boolean> {
    const added = await this.api.query.subtensorModule.networksAdded?.(netuid)
    return added ? (added as unknown as {isTrue: boolean}).isTrue : true
  }

  async metagraph(netuid: number): Promise<NeuronMetagraph> {
    const q = this.api.query.subtensorModule
    const [nRaw, block] = await Promise.all([q.subnetworkN(netuid), this.currentBlock()])
    const n = (nRaw as unknown as {toNumber(): number}).toNumber()
    const uids = [...Array(n).keys()]
    const hotkeys = (await Promise.all(uids.map((u) => q.keys(netuid, u)))).map((k) => k.toString())
    const [axons, stakes, owners, permit, lastUpdate, incentive, dividends, trust, consensus] = await Promise.all([
      Promise.all(hotkeys.map((h) => q.axons(netuid, h))),
      Promise.all(hotkeys.map((h) => q.totalHotkeyAlpha(h, netuid))),
      Promise.all(hotkeys.map((h) => q.owner(h))),
      q.validatorPermit(netuid),
      q.lastUpdate(netuid),
      q.incentive(netuid),
      q.dividends(netuid),
      q.trust(netuid),
      q.consensus(netuid),
    ])
    const nums = (v: unknown) => (v as unknown as {toArray(): {toString(): string}[]}).toArray().map((x) => Number(x.toString()))
    const pad = <T>(xs: T[], fill: T) => uids.map((u) => xs[u] ?? fill)
    return {
      n,
      block,
      uids,
      hotkeys,
      coldkeys: owners.map((o) => o.toString()),
      stake: stakes.map((s) => Number(s.toString()) / RAO),
      validatorPermit: pad((permit as unknown as {toArray(): {isTrue: boolean}[]}).toArray().map((b) => b.isTrue), false),
      lastUpdate: pad(nums(lastUpdate), 0),
      incentive: pad(nums(incentive).map((x) => x / U16), 0),
      dividends: pad(nums(dividends).map((x) => x / U16), 0),
      trust: pad(nums(trust).map((x) => x / U16), 0),
      consensus: pad(nums(consensus).map((x) => x / U16), 0),
      axons: axons.map((a, u) => decodeAxon(a, hotkeys[u]!)),
    }
  }

  async weightLimits(netuid: number): Promise<{minAllowedWeights: number; maxWeightLimit: number}> {
    const q = this.api.query.subtensorModule
    const [min, max] = await Promise.all([q.minAllowedWeights(netuid), q.maxWeightsLimit(netuid)])
    return {minAllowedWeights: Number(min.toString()), maxWeightLimit: Number(max.toString()) / U16}
  }

  async weightsOf(netuid: number, uid: number): Promise<[number, number][]> {
    const raw = await this.api.query.subtensorModule.weights(netuid, uid)
    return (raw as unknown as {toArray(): {toArray(): {toString(): string}[]}[]}).toArray().map((p) => {
      const [u, w] = p.toArray()
      return [Number(u!.toString()), Number(w!.toString())]
    })
  }

  async burnedRegister(coldkey: KeyringPair, hotkey: string, netuid: number): Promise<void> {
    await this.submit(this.api.tx.subtensorModule.burnedRegister(netuid, hotkey), coldkey)
  }

  async addStake(coldkey: KeyringPair, hotkey: string, netuid: number, tao: number): Promise<void> {
    await this.submit(this.api.tx.subtensorModule.addStake(hotkey, netuid, BigInt(Math.round(tao * RAO))), coldkey)
  }

  async serveAxon(hotkey: KeyringPair, netuid: number, axon: {ip: string; port: number; version?: number; protocol?: number}): Promise<void> {
    const {value, type} = encodeIp(axon.ip)
    await this.submit(
      this.api.tx.subtensorModule.serveAxon(netuid, axon.version ?? 0, value, axon.port, type, axon.protocol ?? 4, 0, 0),
      hotkey,
    )
  }

  async setWeights(hotkey: KeyringPair, netuid: number, uids: number[], weights: number[], versionKey = 0): Promise<void> {
    const cr = await this.api.query.subtensorModule.commitRevealWeightsEnabled(netuid)
    if ((cr as unknown as {isTrue: boolean}).isTrue) {
      throw new Error(`subnet ${netuid} has commit-reveal weights enabled, which this client does not do`)
    }
    await this.submit(this.api.tx.subtensorModule.setWeights(netuid, uids, weights, versionKey), hotkey)
  }

  /** Sign, send, wait for the block; a dispatch error becomes an Error named `section.Name` as the pallet spells it. */
  async submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, timeoutMs = 60_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      let unsub: (() => void) | undefined
      const timer = setTimeout(() => {
        unsub?.()
        reject(new Error(`${tx.method.section}.${tx.method.method} was not included within ${timeoutMs / 1000}s`))
      }, timeoutMs)
      tx.signAndSend(signer, (result) => {
        if (!result.status.isInBlock && !result.status.isFinalized) return
        clearTimeout(timer)
        unsub?.()
        const err = result.dispatchError
        if (!err) return resolve()
        if (err.isModule) {
          const d = this.api.registry.findMetaError(err.asModule)
          reject(new Error(`${tx.method.section}.${tx.method.method} failed: ${d.section}.${d.name}`))
        } else reject(new Error(`${tx.method.section}.${tx.method.method} failed: ${err.toString()}`))
      })
        .then((u) => {
          unsub = u
        })
        .catch((e: Error) => {
          clearTimeout(timer)
          reject(new Error(`${tx.method.section}.${tx.method.method} rejected: ${e.message}`))
        })
    })
  }

  async close(): Promise<void> {
    await this.api.disconnect()
  }
}

function decodeAxon(raw: unknown, hotkey: string): {ip: string; port: number; hotkey: string} {
  const opt = raw as {isSome?: boolean; isNone?: boolean; unwrap?: () => unknown}
  const info = (opt.isSome !== undefined ? (opt.isSome ? opt.unwrap!() : undefined) : raw) as
    | {ip: {toString(): string}; port: {toNumber(): number}; ipType: {toNumber(): number}}
    | undefined
  if (!info) return {ip: '0.0.0.0', port: 0, hotkey}
  return {ip: decodeIp(BigInt(info.ip.toString()), info.ipType.toNumber()), port: info.port.toNumber(), hotkey}
}

export function decodeIp(value: bigint, type: number): string {
  if (type === 6) {
    const parts: string[] = []
    for (let i = 7; i >= 0; i--) parts.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16))
    return parts.join(':')
  }
  return [24, 16, 8, 0].map((s) => Number((value >> BigInt(s)) & 0xffn)).join('.')
}

export function encodeIp(ip: string): {value: bigint; type: number} {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (v4) {
    const parts = v4.slice(1).map(Number)
    if (parts.some((p) => p > 255)) throw new Error(`bad IPv4 address ${ip}`)
    return {value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), type: 4}
  }
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::') as [string, string | undefined]
    const h = head ? head.split(':') : []
    const t = tail ? tail.split(':') : []
    const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t]
    if (groups.length !== 8) throw new Error(`bad IPv6 address ${ip}`)
    return {value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n), type: 6}
  }
  throw new Error(`bad IP address ${ip}`)
}
