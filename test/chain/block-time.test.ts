import {afterAll, describe, expect, it} from '@jest/globals'
import {Keyring} from '@polkadot/keyring'
import {cryptoWaitReady} from '@polkadot/util-crypto'

import {blockTimeFromTimestamps, connectSubtensor, revealRound, type SubtensorClient} from '../../src/chain/index.js'
import {startDevnet, type Devnet} from '../../src/devnet/index.js'

// The chain client's block time when ConnectOptions.blockTimeS is not given: Timestamp.Now (ms) at the best block and
// up to 20 blocks before it (never block 0, whose Timestamp.Now is 0 on a real chain), the runtime's Aura.SlotDuration
// (12000 ms in finney's spec-343 metadata, which the devnet serves) when a chain is at or above its slot, and the
// slot (else 12 s, the SDK's `settings.BLOCKTIME` / bittensor_drand's `block_time=12.0`) when nothing can be read.
// The devnet sets Timestamp.Now to max(wall clock, previous + 1 ms) for each block (src/devnet/chain.ts buildBlock);
// Chain.produceBlock(now) lets a test choose the clock.

const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
})

async function devnetAndClient(blockTimeMs: number, extra: Parameters<typeof startDevnet>[0] = {}): Promise<{devnet: Devnet; client: SubtensorClient}> {
  const devnet = await startDevnet({port: 0, blockTimeMs, ...extra})
  cleanup.push(() => devnet.stop())
  const client = await connectSubtensor(devnet.url)
  cleanup.push(() => client.close())
  return {devnet, client}
}

/** blocks on an instant devnet whose Timestamp.Now lie `gapsMs` apart */
function produceAt(devnet: Devnet, gapsMs: number[]): void {
  let t = Number(devnet.chain.st.num('timestamp', 'now'))
  for (const g of gapsMs) devnet.chain.produceBlock((t += g))
}

describe('blockTimeFromTimestamps', () => {
  it('finney-like: a chain at (or, with missed slots or a stall, above) its 12 s slot reads 12 s', () => {
    expect(blockTimeFromTimestamps({thenMs: 1_700_000_000_000, nowMs: 1_700_000_000_000 + 20 * 12_000, blocks: 20, slotMs: 12_000})).toEqual({
      seconds: 12,
      source: 'slot',
      measuredS: 12,
      blocks: 20,
    })
    const missed = blockTimeFromTimestamps({thenMs: 1_700_000_000_000, nowMs: 1_700_000_000_000 + 19 * 12_000 + 24_000, blocks: 20, slotMs: 12_000})
    expect(missed).toMatchObject({seconds: 12, source: 'slot', measuredS: 12.6})
    const stall = blockTimeFromTimestamps({thenMs: 1_700_000_000_000, nowMs: 1_700_000_000_000 + 19 * 12_000 + 300_000, blocks: 20, slotMs: 12_000})
    expect(stall).toMatchObject({seconds: 12, source: 'slot'})
  })

  it('a chain clearly faster than its slot constant gets the measurement; without a slot, any sane measurement', () => {
    expect(blockTimeFromTimestamps({thenMs: 1_000_000, nowMs: 1_020_000, blocks: 20, slotMs: 12_000})).toMatchObject({seconds: 1, source: 'timestamps'})
    expect(blockTimeFromTimestamps({thenMs: 1_000_000, nowMs: 1_000_005, blocks: 5, slotMs: 12_000})).toMatchObject({seconds: 0.001, source: 'timestamps'})
    expect(blockTimeFromTimestamps({thenMs: 1_000_000, nowMs: 1_000_000 + 20 * 12_500, blocks: 20})).toMatchObject({seconds: 12.5, source: 'timestamps'})
  })

  it('falls back to the slot, else 12 s, when the timestamps are missing or not sane', () => {
    const slot = {seconds: 12, source: 'slot'}
    expect(blockTimeFromTimestamps({blocks: 0, slotMs: 12_000})).toEqual(slot)
    expect(blockTimeFromTimestamps({blocks: 0})).toEqual({seconds: 12, source: 'default'})
    expect(blockTimeFromTimestamps({blocks: 0, slotMs: 250})).toEqual({seconds: 0.25, source: 'slot'})
    expect(blockTimeFromTimestamps({thenMs: 0, nowMs: 1_700_000_000_000, blocks: 20, slotMs: 12_000})).toEqual(slot) // genesis' zero
    expect(blockTimeFromTimestamps({thenMs: 2_000, nowMs: 1_000, blocks: 20, slotMs: 12_000})).toEqual(slot) // going backwards
    expect(blockTimeFromTimestamps({thenMs: 1_000, nowMs: 1_000, blocks: 20})).toEqual({seconds: 12, source: 'default'})
    expect(blockTimeFromTimestamps({thenMs: 1_000, nowMs: 1_000 + 20 * 3_600_000, blocks: 20})).toEqual({seconds: 12, source: 'default'}) // an hour a block
  })
})

describe('the chain client estimates the block time from the chain', () => {
  it('a devnet with 1 s blocks reads ~1 s, and a timelocked commit aims its round with it', async () => {
    await cryptoWaitReady()
    const {devnet, client} = await devnetAndClient(1000, {
      genesis: {
        subnets: [{netuid: 1, tempo: 4, commitRevealWeightsEnabled: true, revealPeriodEpochs: 1}],
        neurons: [
          {netuid: 1, hotkey: '//BTV', coldkey: '//Alice', stake: 100},
          {netuid: 1, hotkey: '//BTM', coldkey: '//Bob'},
        ],
        drand: {period: 1},
      },
    })
    while (devnet.chain.head.number < 6) await new Promise((r) => setTimeout(r, 250))
    const e = await client.estimateBlockTime()
    expect(e.source).toBe('timestamps')
    // clamped to the young chain, never reaching back to block 0
    expect(e.blocks).toBeGreaterThanOrEqual(5)
    expect(e.blocks).toBeLessThan(devnet.chain.head.number)
    expect(e.seconds).toBeGreaterThan(0.8)
    expect(e.seconds).toBeLessThan(1.3)

    const hotkey = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//BTV')
    const hp = await client.hyperparameters(1)
    const before = Date.now() / 1000
    const block = await client.currentBlock()
    const r = await client.commitTimelocked(hotkey, 1, [1], [65535], 0, hp)
    // what bittensor_drand computes with the estimate, not with 12 s (which would aim ~11× further out)
    const info = devnet.drand.info
    const at = (blockTimeS: number, nowS: number) =>
      revealRound({currentBlock: block, netuid: 1, tempo: 4, revealPeriodEpochs: 1, blockTimeS, nowS, genesisTime: info.genesis_time, period: info.period}).revealRound
    expect(r.revealRound).toBeGreaterThanOrEqual(at(0.8, before) - 1)
    expect(r.revealRound).toBeLessThanOrEqual(at(1.3, Date.now() / 1000) + 1)
    expect(r.revealRound).toBeLessThan(at(12, before))
  }, 30_000)

  it('instant blocks: whatever the timestamps say (here 3 s apart), reused until the refresh', async () => {
    const {devnet, client} = await devnetAndClient(0)
    produceAt(devnet, Array(25).fill(3000))
    const e = await client.estimateBlockTime()
    expect(e).toMatchObject({source: 'timestamps', blocks: 20})
    expect(e.seconds).toBeCloseTo(3, 6)
    // blocks the devnet seals at once are ~1 ms apart by its clock; the estimate is kept for a minute, though
    await devnet.advance(25)
    expect(await client.estimateBlockTime()).toEqual(e)
    const fresh = await connectSubtensor(devnet.url)
    cleanup.push(() => fresh.close())
    const f = await fresh.estimateBlockTime()
    expect(f.source).toBe('timestamps')
    expect(f.seconds).toBeLessThan(0.5)
  }, 30_000)

  it('finney-like timestamps (12 s, a missed slot) read 12 s', async () => {
    const {devnet, client} = await devnetAndClient(0)
    produceAt(devnet, [...Array(10).fill(12_000), 24_000, ...Array(14).fill(12_000)])
    expect(await client.estimateBlockTime()).toMatchObject({seconds: 12, source: 'slot', blocks: 20})
  }, 30_000)

  it('a fresh chain (no two blocks after genesis) falls back to the slot: 12 s', async () => {
    const {devnet, client} = await devnetAndClient(0)
    expect(devnet.chain.head.number).toBe(0)
    expect(await client.estimateBlockTime()).toEqual({seconds: 12, source: 'slot'})
    devnet.chain.produceBlock()
    const again = await connectSubtensor(devnet.url)
    cleanup.push(() => again.close())
    expect(await again.estimateBlockTime()).toEqual({seconds: 12, source: 'slot'})
  }, 30_000)

  it('an explicit blockTimeS wins', async () => {
    const devnet = await startDevnet({port: 0, blockTimeMs: 0})
    cleanup.push(() => devnet.stop())
    const client = await connectSubtensor(devnet.url, {blockTimeS: 0.25})
    cleanup.push(() => client.close())
    expect(await client.estimateBlockTime()).toEqual({seconds: 0.25, source: 'option'})
  }, 30_000)
})
