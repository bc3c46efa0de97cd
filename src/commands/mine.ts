import path from 'node:path'

import {Flags} from '@oclif/core'

import {BitmindCommand} from '../config/base-command.js'
import {axonFlags, backendFlag, loggingFlags, metricsFlags, modelFlags, netuidFlag, subtensorFlags, walletFlags} from '../config/flags.js'
import {DEFAULT_MODEL_PATH, shippedModel} from '../config/paths.js'
import {runMiner} from '../miner/run.js'

export default class Mine extends BitmindCommand {
  static override description = `Run a BitMind miner: serve ImageSynapse on an axon and answer with the detector.

The hotkey must be registered on the subnet (see bitmind register). The model is --neuron.model_path, by default the shipped models/npr.onnx. The axon address goes on chain, the metagraph is re-synced every epoch for the blacklist (unregistered callers, and callers without a validator permit with --blacklist.force_validator_permit) and the priority (caller stake); a caller it does not know triggers a re-read first (at most one per block), so a newly registered validator is answered at once. Replacing the model file on disk switches the served model on the next request; a file that does not load keeps the old model.`

  static override examples = [
    '<%= config.bin %> mine --netuid 34 --wallet.name miner --wallet.hotkey default --axon.port 8091',
    '<%= config.bin %> mine --netuid 1 --subtensor.network local --wallet.name miner --neuron.model_path checkpoints/ch/model_epoch_best.onnx',
  ]

  static override flags = {
    ...netuidFlag,
    ...subtensorFlags,
    ...walletFlags,
    ...axonFlags,
    ...modelFlags,
    ...backendFlag,
    ...loggingFlags,
    ...metricsFlags,
    'neuron.provider': Flags.string({description: 'ONNX Runtime execution provider for .onnx models (cpu, cuda)', default: 'cpu'}),
    'neuron.epoch_length': Flags.integer({description: 'blocks between scheduled metagraph re-syncs', default: 100, min: 1}),
    'neuron.batch_window_ms': Flags.integer({description: 'collect concurrent requests this long into one model call', default: 5, min: 0}),
    'neuron.max_batch': Flags.integer({description: 'most images per model call', default: 16, min: 1}),
    'blacklist.force_validator_permit': Flags.boolean({description: 'refuse callers without a validator permit', default: false}),
    'blacklist.allow_non_registered': Flags.boolean({description: 'accept callers that are not registered (testing only)', default: false}),
    'neuron.no_serve': Flags.boolean({description: 'do not (re)announce the axon on chain', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Mine)
    const modelPath = flags['neuron.model_path'] ?? shippedModel()
    if (!modelPath) this.fail(`no shipped model in ${path.dirname(DEFAULT_MODEL_PATH)}: pass --neuron.model_path <file.onnx | file.pth | tfjs folder> or run \`bitmind train\``)
    const logger = this.makeLogger(flags['logging.debug'])
    const controller = new AbortController()
    const stop = (sig: string) => {
      if (controller.signal.aborted) process.exit(130)
      logger.info(`${sig}: stopping the axon (in-flight requests finish first)`)
      controller.abort()
    }
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGTERM', () => stop('SIGTERM'))
    try {
      return await runMiner({
        netuid: flags.netuid,
        network: flags['subtensor.network'],
        chainEndpoint: flags['subtensor.chain_endpoint'],
        wallet: {name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']},
        axon: {port: flags['axon.port'], ip: flags['axon.ip'], externalIp: flags['axon.external_ip'], externalPort: flags['axon.external_port']},
        modelPath,
        backend: flags.backend,
        provider: flags['neuron.provider'],
        epochLength: flags['neuron.epoch_length'],
        batch: {windowMs: flags['neuron.batch_window_ms'], maxBatch: flags['neuron.max_batch']},
        forceValidatorPermit: flags['blacklist.force_validator_permit'],
        allowNonRegistered: flags['blacklist.allow_non_registered'],
        serve: !flags['neuron.no_serve'],
        metricsPort: flags['metrics.port'],
        logger,
        signal: controller.signal,
      })
    } catch (err) {
      this.fail((err as Error).message)
    }
  }
}
