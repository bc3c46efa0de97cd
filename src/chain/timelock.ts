import {encryptToRound, QUICKNET} from './tle/index.js'

/** blocks past the reveal block the round is aimed at, so the chain holds the pulse by then (bittensor_drand) */
export const SECURITY_BLOCK_OFFSET = 3

/**
 * The drand round a timelocked weights commit is encrypted for, as bittensor_drand's `generate_commit` computes it
 * (opentensor/bittensor-drand 3ff0eac5d39106676a3f1846efd3bcaa7d7d7b55, `src/drand.rs`): the first block of the epoch
 * `revealPeriodEpochs` after the current one (epochs offset by netuid + 1, length tempo + 1), plus
 * SECURITY_BLOCK_OFFSET blocks, turned into wall time with the block time, then floor((t − genesis) / period),
 * at least 1. bittensor_drand uses quicknet's constants (QUICKNET.genesisTime / period), which finney's
 * Drand.BeaconConfig holds; we take them from the chain so the devnet's beacon works too. (The SDK passes the
 * mechanism storage index netuid + mecid·4096 as `netuid`; for mechanism 0 that is the netuid.)
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
  const revealBlock = Math.max(0, revealEpoch * tempoPlusOne - netuidPlusOne)
  const blocksUntil = Math.max(0, revealBlock + SECURITY_BLOCK_OFFSET - p.currentBlock)
  const revealTime = p.nowS + blocksUntil * p.blockTimeS
  const round = Math.floor((revealTime - p.genesisTime) / p.period)
  return {revealRound: Math.max(1, round), revealBlock}
}

/** The beacon as `Drand.BeaconConfig` describes it (hex fields decoded; field names as drand's chain info JSON). */
export interface BeaconInfo {
  public_key: string
  period: number
  genesis_time: number
  hash: string
  groupHash: string
  schemeID: string
  metadata: {beaconID: string}
}

/** `Drand.BeaconConfig` as stored on chain (hex fields) → BeaconInfo. */
export function chainInfoFromBeaconConfig(cfg: {
  publicKey: string
  period: number
  genesisTime: number
  hash: string
  groupHash: string
  schemeId: string
  metadata: {beaconId: string}
}): BeaconInfo {
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

/**
 * The `commit` bytes of `commit_timelocked_weights` for `payload` (the SCALE WeightsTlockPayload): the arkworks-
 * serialized TLECiphertext that bittensor_drand's `encrypt_and_compress` makes and the pallet's `tld` opens with
 * the round's pulse (see ./tle/index.ts). Only quicknet's scheme (signatures on G1) can be decrypted by the chain.
 */
export async function encryptForRound(round: number, payload: Uint8Array, info: Pick<BeaconInfo, 'public_key' | 'schemeID'>): Promise<Uint8Array> {
  if (info.schemeID !== QUICKNET.scheme) {
    throw new Error(`drand scheme ${info.schemeID} is not ${QUICKNET.scheme}: the chain decrypts only quicknet-style (G1) timelock commits`)
  }
  const commit = encryptToRound(payload, round, info.public_key)
  if (commit.length > MAX_COMMIT_BYTES) {
    throw new Error(`timelocked commit of ${commit.length} bytes exceeds the pallet's ${MAX_COMMIT_BYTES}-byte limit (too many uids)`)
  }
  return commit
}

/** `MAX_CRV3_COMMIT_SIZE_BYTES` (opentensor/subtensor pallets/subtensor/src/lib.rs): the commit's BoundedVec bound */
export const MAX_COMMIT_BYTES = 5000
