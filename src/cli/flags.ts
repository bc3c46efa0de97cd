import {Flags} from '@oclif/core'

import path from 'node:path'

import {DEFAULT_MODEL_PATH, DEFAULT_NEURON_ROOT, DEFAULT_PROXY_KEYS_FILE, DEFAULT_WALLET_PATH, PACKAGE_ROOT} from '../config/paths.js'
import type {WalletRef} from '../wallet/index.js'
import {walletRefFrom, type SubtensorFlagValues, type WalletFlagValues} from './subtensor.js'

/**
 * Flag sets shared by commands, with the dotted names btcli and the Python neurons use
 * (`--wallet.name`, `--subtensor.network`, `--axon.port`, `--neuron.model_path`, …).
 */
export const loggingFlags = {
  'logging.debug': Flags.boolean({description: 'print debug logs', default: false}),
}

export const subtensorFlags = {
  'subtensor.network': Flags.string({
    description: 'finney | test | local | a ws:// or wss:// URL',
    default: 'finney',
    env: 'BT_SUBTENSOR_NETWORK',
  }),
  'subtensor.chain_endpoint': Flags.string({
    description: 'explicit chain endpoint (overrides --subtensor.network)',
    env: 'BT_SUBTENSOR_CHAIN_ENDPOINT',
  }),
}

export const netuidFlag = {
  netuid: Flags.integer({description: 'subnet id', min: 0, max: 65535, required: true}),
}

export const walletFlags = {
  'wallet.name': Flags.string({description: 'wallet (coldkey) name', default: 'default', env: 'BT_WALLET_NAME'}),
  'wallet.hotkey': Flags.string({description: 'hotkey name', default: 'default', env: 'BT_WALLET_HOTKEY'}),
  'wallet.path': Flags.string({description: 'folder holding wallets', default: DEFAULT_WALLET_PATH, env: 'BT_WALLET_PATH'}),
}

export const axonFlags = {
  'axon.port': Flags.integer({description: 'port the axon listens on (0: a free one, announced as bound)', default: 8091, min: 0, max: 65535}),
  'axon.ip': Flags.string({description: 'address the axon binds to', default: '0.0.0.0'}),
  'axon.external_ip': Flags.string({description: 'IP announced on chain (detected when omitted)'}),
  'axon.external_port': Flags.integer({description: 'port announced on chain (defaults to --axon.port)', min: 1, max: 65535}),
}

/** What one axon takes on at most: an operator turns these to fit the machine (README "Operating"). */
export const axonLimitFlags = {
  'axon.max_body_mb': Flags.integer({description: 'largest request body in MiB (bigger: 413 without reading it)', default: 24, min: 1}),
  'axon.concurrency': Flags.integer({description: 'requests answered at once (the rest wait in the priority queue)', default: 8, min: 1}),
  'axon.max_queue': Flags.integer({description: 'requests waiting at most (more: 503)', default: 256, min: 0}),
  'axon.per_caller': Flags.integer({description: 'requests one caller hotkey may have in flight (more: 503)', default: 16, min: 1}),
  'axon.body_timeout': Flags.integer({description: 'seconds for a request body to arrive (slower: 408)', default: 10, min: 1}),
  'axon.headers_timeout': Flags.integer({description: 'seconds for request headers to arrive (slower: connection closed)', default: 10, min: 1}),
  'axon.max_connections': Flags.integer({description: 'open connections at most (more are refused)', default: 1024, min: 1}),
}

/** How `--help` names the shipped model (relative to the package, since absolute paths differ per install). */
export const SHIPPED_MODEL_HELP = `${path.relative(PACKAGE_ROOT, DEFAULT_MODEL_PATH)} (shipped)`

export const modelFlags = {
  // No `default`: the shipped model is looked up when the command runs (shippedModel()); help names it.
  'neuron.model_path': Flags.string({
    description: 'detector model: .onnx, .pth or a tfjs model folder',
    defaultHelp: async () => SHIPPED_MODEL_HELP,
  }),
}

export const backendFlag = {
  backend: Flags.string({
    description: 'tfjs backend: tfjs-node-gpu | tfjs-node | wasm | cpu (default: the first that loads)',
    options: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'],
  }),
}

export const neuronRootFlag = {
  'neuron.root': Flags.string({description: 'root folder for neuron state', default: DEFAULT_NEURON_ROOT}),
}

export const metricsFlags = {
  'metrics.port': Flags.integer({description: 'serve Prometheus metrics on this port (off when omitted; 0 = any free port)', min: 0, max: 65535}),
  'metrics.host': Flags.string({
    description: 'address the metrics server listens on (0.0.0.0 exposes it to every network the machine is on)',
    default: '127.0.0.1',
  }),
}

/** The validator proxy's settings (`bitmind proxy`, `bitmind validate --proxy.port`); the port is each command's own. */
export const proxyFlags = {
  'proxy.host': Flags.string({description: 'address the proxy binds to', default: '0.0.0.0'}),
  'proxy.miners': Flags.integer({description: 'miners asked per image: the top serving uids by incentive (ties: stake)', default: 10, min: 1, max: 256}),
  'proxy.timeout_s': Flags.string({description: 'seconds each miner gets to answer', default: '10'}),
  'proxy.rate_limit': Flags.integer({description: 'requests per minute per API key (per client IP without one)', default: 60, min: 1}),
  'proxy.keys_file': Flags.string({description: 'API keys file (bitmind proxy keys add|list|revoke); /v1/* needs a key once it holds one', default: DEFAULT_PROXY_KEYS_FILE}),
}

export const keysFileFlag = {'proxy.keys_file': proxyFlags['proxy.keys_file']}

// ── Commands that use a wallet on a chain (register, stake add|remove, wallet balance|transfer) ──

export const walletOnChainFlags = {...walletFlags, ...subtensorFlags}

export const confirmFlag = {
  yes: Flags.boolean({char: 'y', description: 'do not ask to confirm', default: false}),
}

/** `stake add|remove`: the wallet, the chain, how much (`amount` says in what), the subnet and the confirmation. */
export function stakeFlags(amount: string) {
  return {
    ...walletOnChainFlags,
    amount: Flags.string({description: amount, required: true}),
    netuid: Flags.integer({description: 'subnet id (default: the one subnet the hotkey is registered on)', min: 0, max: 65535}),
    ...confirmFlag,
  }
}

// ── Neurons (mine, validate, proxy): the subnet, the chain and the wallet ──

/** The flags every neuron command starts with: the subnet, the chain, the wallet. */
export const neuronFlags = {...netuidFlag, ...subtensorFlags, ...walletFlags}

/** The values of `neuronFlags` as a command has parsed them. */
export type NeuronFlagValues = {netuid: number} & SubtensorFlagValues & WalletFlagValues

/** The subnet, chain and wallet part of runMiner's, runValidator's and runProxy's options. */
export function neuronOptions(flags: NeuronFlagValues): {netuid: number; network: string; chainEndpoint?: string; wallet: WalletRef} {
  return {netuid: flags.netuid, network: flags['subtensor.network'], chainEndpoint: flags['subtensor.chain_endpoint'], wallet: walletRefFrom(flags)}
}
