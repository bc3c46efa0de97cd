import type {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {mnemonicGenerate} from '@polkadot/util-crypto'

import type {Logger} from '../config/logger.js'
import type {SubtensorClient} from '../chain/index.js'
import {loadHotkey} from '../chain/neuron.js'
import {decodeImage, type RgbImage} from '../image/index.js'
import {Miner} from '../miner/miner.js'
import {ModelHolder, type ModelLoader} from '../miner/model-holder.js'
import {startMinerAxon, startMinerEpistula} from '../miner/serve.js'
import type {Axon} from '../protocol/index.js'
import {writeHotkey, type WalletRef} from '../wallet/index.js'

export const LOCAL_NETUID = 1
export const TAO = 1_000_000_000n

export interface LocalMinerSpec {
  name: string
  /** model file the miner serves (hot-reloaded like `bitmind mine`) */
  modelPath: string
  load: ModelLoader<RgbImage>
}

export interface RegisteredNeuron {
  name: string
  coldkey: KeyringPair
  hotkey: KeyringPair
  uid: number
}

export interface ServingMiner {
  name: string
  uid: number
  hotkey: KeyringPair
  axon: Axon
}

/**
 * A throw-away neuron on the local subnet: a fresh coldkey funded by `funder`, a hotkey written as a btcli wallet
 * under `walletDir` (so it is opened as `bitmind` opens any wallet), burned-registered on LOCAL_NETUID.
 */
export async function registerLocalNeuron(client: SubtensorClient, keyring: Keyring, funder: KeyringPair, walletDir: string, name: string): Promise<RegisteredNeuron> {
  const coldkey = keyring.addFromMnemonic(mnemonicGenerate())
  const ref: WalletRef = {name, hotkey: 'default', path: walletDir}
  await writeHotkey(ref, {mnemonic: mnemonicGenerate()})
  const hotkey = await loadHotkey(ref)
  await client.submit(client.api.tx.balances.transferKeepAlive(coldkey.address, 1000n * TAO), funder)
  await client.burnedRegister(coldkey, hotkey.address, LOCAL_NETUID)
  const uid = await client.uidOf(LOCAL_NETUID, hotkey.address)
  if (uid === undefined) throw new Error(`${name} did not register`)
  return {name, coldkey, hotkey, uid}
}

/**
 * Register a miner, serve its model on 127.0.0.1 (ImageSynapse and Epistula on one port) and announce the axon.
 * Returns the miner and how to stop it.
 */
export async function startLocalMiner(
  client: SubtensorClient,
  spec: LocalMinerSpec,
  neuron: (name: string) => Promise<RegisteredNeuron>,
  opts: {tempo: number; logger: Logger},
): Promise<{miner: ServingMiner; stop: () => Promise<void>}> {
  const n = await neuron(spec.name)
  const holder = await ModelHolder.open<RgbImage>(spec.modelPath, spec.load, {logger: opts.logger.child(spec.name), pollMs: 500})
  const miner = await Miner.create<RgbImage>({
    holder,
    decode: (b) => decodeImage(b, {name: 'challenge'}),
    chain: {currentBlock: () => client.currentBlock(), metagraph: () => client.metagraph(LOCAL_NETUID)},
    forceValidatorPermit: false,
    epochLength: opts.tempo,
  })
  const axon = await startMinerAxon(miner, {hotkey: n.hotkey, port: 0, ip: '127.0.0.1'})
  const epistula = await startMinerEpistula(miner, {hotkey: n.hotkey, axon})
  const stop = async () => {
    await epistula.stop(2000)
    await axon.stop(2000)
    await miner.stop()
  }
  try {
    await client.serveAxon(n.hotkey, LOCAL_NETUID, {ip: '127.0.0.1', port: axon.port})
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
  return {miner: {name: spec.name, uid: n.uid, hotkey: n.hotkey, axon}, stop}
}
