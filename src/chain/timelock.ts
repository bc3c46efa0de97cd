import {timelockEncrypt, type ChainClient, type ChainInfo} from 'tlock-js'

/** blocks past the reveal block the round is aimed at, so the chain holds the pulse by then (bittensor_drand) */
export const SECURITY_BLOCK_OFFSET = 3

/**
 * The drand round a timelocked weights commit is encrypted for, as current bittensor_drand computes it: the first
 * block of the epoch `revealPeriodEpochs` after the current one (epochs offset by netuid + 1, length tempo + 1), plus
 * SECURITY_BLOCK_OFFSET blocks, turned into wall time with the block time, then into the drand round due then.
 */
export function revealRound(p: {
  currentBlock: number
  netuid: number
  tempo: number
  revealPeriodEpochs: number
  blockTimeS: number
  nowS: number
  genesisTime: number
  period: number
}): {revealRound: number; revealBlock: number} {
  const tempoPlusOne = p.tempo + 1
  const netuidPlusOne = p.netuid + 1
  const currentEpoch = Math.floor((p.currentBlock + netuidPlusOne) / tempoPlusOne)
  const revealEpoch = currentEpoch + p.revealPeriodEpochs
  const revealBlock = revealEpoch * tempoPlusOne - netuidPlusOne
  const blocksUntil = Math.max(0, revealBlock + SECURITY_BLOCK_OFFSET - p.currentBlock)
  const revealTime = p.nowS + blocksUntil * p.blockTimeS
  const round = Math.floor((revealTime - p.genesisTime) / p.period)
  return {revealRound: Math.max(1, round), revealBlock}
}

/** A tlock-js client that only knows the beacon's chain info (encryption needs nothing else: no network). */
export function offlineDrandClient(info: ChainInfo): ChainClient {
  const refuse = async (): Promise<never> => {
    throw new Error('this drand client encrypts only; it fetches no beacons')
  }
  return {
    options: {disableBeaconVerification: true, noCache: true},
    latest: refuse,
    get: refuse,
    chain: () => ({baseUrl: 'chain://drand', info: async () => info}),
  }
}

/** `Drand.BeaconConfig` as stored on chain (hex fields) → tlock-js ChainInfo. */
export function chainInfoFromBeaconConfig(cfg: {
  publicKey: string
  period: number
  genesisTime: number
  hash: string
  groupHash: string
  schemeId: string
  metadata: {beaconId: string}
}): ChainInfo {
  const strip = (h: string) => h.replace(/^0x/, '')
  const text = (h: string) => (h.startsWith('0x') ? Buffer.from(strip(h), 'hex').toString('utf8') : h)
  return {
    public_key: strip(cfg.publicKey),
    period: Number(cfg.period),
    genesis_time: Number(cfg.genesisTime),
    hash: strip(cfg.hash),
    groupHash: strip(cfg.groupHash),
    schemeID: text(cfg.schemeId),
    metadata: {beaconID: text(cfg.metadata.beaconId)},
  }
}

/** tlock-js's age-armoured ciphertext of `payload` for `round` (the bytes go on chain as UTF-8). */
export async function encryptForRound(round: number, payload: Uint8Array, info: ChainInfo): Promise<Uint8Array> {
  const armoured = await timelockEncrypt(round, Buffer.from(payload), offlineDrandClient(info))
  return new Uint8Array(Buffer.from(armoured, 'utf8'))
}
