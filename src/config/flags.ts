import {Flags} from '@oclif/core'

import {DEFAULT_NEURON_ROOT, DEFAULT_WALLET_PATH, SHIPPED_MODEL_HELP} from './paths.js'

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
  'axon.port': Flags.integer({description: 'port the axon listens on (0: a free port)', default: 8091, min: 0, max: 65535}),
  'axon.ip': Flags.string({description: 'address the axon binds to', default: '0.0.0.0'}),
  'axon.external_ip': Flags.string({description: 'IP announced on chain (detected when omitted)'}),
  'axon.external_port': Flags.integer({description: 'port announced on chain (defaults to --axon.port)', min: 1, max: 65535}),
}

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
  'metrics.port': Flags.integer({description: 'serve Prometheus metrics on this port (off when omitted)', min: 1, max: 65535}),
}
