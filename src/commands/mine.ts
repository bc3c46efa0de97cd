import path from 'node:path'

import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {stopOnSignals} from '../cli/signals.js'
import {axonFlags, axonLimitFlags, backendFlag, loggingFlags, metricsFlags, modelFlags, neuronFlags, neuronOptions} from '../cli/flags.js'
import {DEFAULT_MODEL_PATH, shippedModel} from '../config/paths.js'
import {runMiner} from '../miner/run.js'

export default class Mine extends BitmindCommand {
  static override description = `Run a BitMind miner: serve ImageSynapse on an axon and answer with the detector.

The hotkey must be registered on the subnet (see bitmind register). The model is --neuron.model_path, by default the shipped detector (models/npr-int8.onnx). The axon address goes on chain, the metagraph is re-synced every epoch for the blacklist (unregistered callers, and callers without a validator permit with --blacklist.force_validator_permit) and the priority (caller stake); a caller it does not know triggers a re-read first (at most one per block), so a newly registered validator is answered at once. Replacing the model file on disk switches the served model on the next request; a file that does not load keeps the old model. The same port also answers Epistula v2 (signed POST /detect_image, BitMind v3 and later), or --epistula.port.`

  static override examples = [
    '<%= config.bin %> mine --netuid 34 --wallet.name miner --wallet.hotkey default --axon.port 8091',
    '<%= config.bin %> mine --netuid 1 --subtensor.network local --wallet.name miner --neuron.model_path checkpoints/ch/model_epoch_best.onnx',
  ]

  static override flags = {
    ...neuronFlags,
    ...axonFlags,
    ...axonLimitFlags,
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
    'blacklist.min_stake': Flags.integer({description: 'refuse registered callers with less stake than this (BitMind\'s Epistula miners use 20000; 0: off)', default: 0, min: 0}),
    'epistula.port': Flags.integer({description: 'serve Epistula v2 POST /detect_image on this port (default: on the axon\'s port)', min: 0, max: 65535}),
    'neuron.no_serve': Flags.boolean({description: 'do not (re)announce the axon on chain', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Mine)
    const modelPath = flags['neuron.model_path'] ?? shippedModel()
    if (!modelPath) this.fail(`no shipped model in ${path.dirname(DEFAULT_MODEL_PATH)}: pass --neuron.model_path <file.onnx | file.pth | tfjs folder> or run \`bitmind train\``)
    const logger = this.makeLogger(flags['logging.debug'])
    const stop = stopOnSignals((sig) => logger.info(`${sig}: stopping the axon (in-flight requests finish first)`))
    try {
      return await runMiner({
        ...neuronOptions(flags),
        axon: {port: flags['axon.port'], ip: flags['axon.ip'], externalIp: flags['axon.external_ip'], externalPort: flags['axon.external_port'],
          limits: {
            maxBodyBytes: flags['axon.max_body_mb'] * 1024 * 1024,
            concurrency: flags['axon.concurrency'],
            maxQueue: flags['axon.max_queue'],
            perCallerConcurrency: flags['axon.per_caller'],
            bodyTimeoutMs: flags['axon.body_timeout'] * 1000,
            headersTimeoutMs: flags['axon.headers_timeout'] * 1000,
            maxConnections: flags['axon.max_connections'],
          }},
        modelPath,
        backend: flags.backend,
        provider: flags['neuron.provider'],
        epochLength: flags['neuron.epoch_length'],
        batch: {windowMs: flags['neuron.batch_window_ms'], maxBatch: flags['neuron.max_batch']},
        forceValidatorPermit: flags['blacklist.force_validator_permit'],
        allowNonRegistered: flags['blacklist.allow_non_registered'],
        minStake: flags['blacklist.min_stake'],
        epistulaPort: flags['epistula.port'],
        serve: !flags['neuron.no_serve'],
        metricsPort: flags['metrics.port'],
        metricsHost: flags['metrics.host'],
        logger,
        signal: stop.signal,
      })
    } catch (err) {
      this.fail(err)
    } finally {
      stop.dispose()
    }
  }
}
