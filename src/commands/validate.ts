import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {stakeCommand} from '../cli/messages/chain.js'
import {stopOnSignals} from '../cli/signals.js'
import {loggingFlags, metricsFlags, neuronFlags, neuronOptions, neuronRootFlag, proxyFlags} from '../cli/flags.js'
import {parseLevelChoice} from '../image/index.js'
import {parseRewardMode} from '../validator/rewards.js'
import {proxyOnChain} from '../proxy/run.js'
import {runValidator} from '../validator/run.js'
import type {Transport} from '../validator/transport.js'

export default class Validate extends BitmindCommand {
  static override description = `Run a BitMind validator: challenge miners with real and generated images, score them, set weights.

Each step samples --neuron.sample_size serving miners, sends one challenge (a real photo or a generated image,
augmented at --challenge.level, JPEG), rewards the answers by the --reward rule (binary: right answers; mcc, sn34:
over each miner's last 100 answers) and updates moving-average scores. Generated images come from
--data.synthetic_dir folders, --data.esrgan, and ONNX text-to-image models (--generation.model), which make them
ahead in the background. Weights go on chain when more than
--neuron.epoch_length blocks passed since the validator's last update. State is saved every step under
--neuron.full_path and resumed on restart. SIGINT/SIGTERM finish the current step, save and exit.`

  static override examples = [
    '<%= config.bin %> validate --netuid 34 --wallet.name validator --wallet.hotkey default --data.corpus ~/bitmind-corpus',
    '<%= config.bin %> validate --netuid 1 --subtensor.network ws://127.0.0.1:9944 --wallet.name v --data.real_dir ./photos --data.esrgan',
    '<%= config.bin %> validate --netuid 34 --wallet.name validator --data.real_dir ./photos --generation.model models/sd-turbo-onnx --generation.model models/lcm-dreamshaper-v7-onnx --generation.steps 2',
  ]

  static override flags = {
    ...neuronFlags,
    ...loggingFlags,
    ...metricsFlags,
    ...neuronRootFlag,
    'neuron.full_path': Flags.string({description: 'state folder (default: <neuron.root>/<wallet>/<hotkey>/netuid<N>/validator)'}),
    'neuron.sample_size': Flags.integer({description: 'miners queried per step', default: 50, min: 1}),
    'neuron.timeout': Flags.string({description: 'seconds to wait for each miner', default: '10'}),
    'neuron.moving_average_alpha': Flags.string({description: 'score update rate α', default: '0.1'}),
    'neuron.vpermit_tao_limit': Flags.integer({description: 'skip uids with a validator permit and more stake (TAO) than this', default: 4096}),
    'neuron.epoch_length': Flags.integer({description: 'blocks between weight settings / metagraph syncs', default: 100, min: 1}),
    'neuron.disable_set_weights': Flags.boolean({description: 'score miners but never set weights', default: false}),
    'neuron.steps': Flags.integer({description: 'stop after this many steps (default: run until stopped)', min: 1}),
    'neuron.step_interval': Flags.string({description: 'seconds to pause between steps', default: '0'}),
    'data.real_dir': Flags.string({description: 'folder of real images (repeatable)', multiple: true}),
    'data.synthetic_dir': Flags.string({description: 'folder of generated images (repeatable)', multiple: true}),
    'data.corpus': Flags.string({description: 'offline corpus folder (bitmind download-data --offline-corpus): its test split'}),
    'data.dataset': Flags.string({description: 'downloaded registry dataset to draw from (repeatable; see bitmind download-data --list)', multiple: true}),
    'data.cache_dir': Flags.string({description: 'dataset cache folder for --data.dataset'}),
    'data.esrgan': Flags.boolean({description: 'generate fakes with ESRGAN (offline, a real photo downscaled and re-upscaled)', default: false}),
    'generation.model': Flags.string({description: 'diffusers ONNX export folder for generated challenges (repeatable, one picked per image; SD/SD-turbo, SDXL/SDXL-turbo, LCM; try one with bitmind generate --model-dir)', multiple: true}),
    'generation.steps': Flags.integer({description: 'denoising steps per generated image (turbo models: 1-4)', default: 4, min: 1}),
    'generation.size': Flags.string({description: 'WIDTHxHEIGHT of generated images, multiples of 8', default: '512x512'}),
    'generation.guidance_scale': Flags.string({description: 'classifier-free guidance scale (> 1 turns CFG on; LCM: embedded guidance w; default: the model kind\'s)'}),
    'generation.provider': Flags.string({description: 'ONNX Runtime execution provider for the diffusion models (cpu, cuda, webgpu, dml, coreml)', default: 'cpu'}),
    'generation.prompt_model': Flags.string({description: 'local transformers.js folder for prompts: MagicPrompt GPT-2 (text-generation) or a captioner of real photos (default: template prompts)'}),
    'generation.cache_dir': Flags.string({description: 'keep generated images on disk in this folder, ready across restarts (default: made ahead in memory)'}),
    'generation.cache_size': Flags.integer({description: 'generated images made ahead in the background (on disk with --generation.cache_dir)', default: 4, min: 0}),
    reward: Flags.string({
      description: 'reward rule: binary (right/wrong per challenge, testnet-168), mcc (0.5·MCC over the last 100 answers + 0.5·accuracy over the last 10, v1.2.9), sn34 (√(((MCC+1)/2)^1.2·((0.25−Brier)/0.25)^1.8) over the last 100, HEAD)',
      options: ['binary', 'mcc', 'sn34'],
      default: 'binary',
    }),
    'challenge.level': Flags.string({
      description: 'augmentation level of challenges: random (0-3, 25 % each, BitMind v2.2.11), or always 0 (none), 1 (rotation/crop/flips, testnet-168), 2 (+ saturation, contrast, JPEG resample), 3 (+ noise, blur)',
      options: ['random', '0', '1', '2', '3'],
      default: 'random',
    }),
    'neuron.transport': Flags.string({description: 'how challenges reach miners: synapse (ImageSynapse, testnet-168) or epistula (signed POST /detect_image, BitMind v3+)', options: ['synapse', 'epistula'], default: 'synapse'}),
    seed: Flags.integer({description: 'seed for sampling, coin flips and augmentation (default: random)'}),
    'proxy.port': Flags.integer({description: 'also serve the proxy API and web page on this port (BitMind: 10913; off when omitted; see bitmind proxy)', min: 0, max: 65535}),
    ...proxyFlags,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Validate)
    const num = (name: string, v: string, min: number, max = Infinity) => {
      const x = Number(v)
      if (!Number.isFinite(x) || x < min || x > max) this.fail(`--${name} must be a number in [${min}, ${max}], got "${v}"`)
      return x
    }
    const logger = this.makeLogger(flags['logging.debug'])
    const stop = stopOnSignals(
      (sig) => logger.info(`${sig}: finishing the current step, then exiting`),
      (sig) => logger.warn(`second ${sig}: exiting now`),
    )
    try {
      const chain = neuronOptions(flags)
      return await runValidator({
        ...chain,
        permitHint: stakeCommand(chain),
        neuronRoot: flags['neuron.root'],
        fullPath: flags['neuron.full_path'],
        sampleSize: flags['neuron.sample_size'],
        timeoutS: num('neuron.timeout', flags['neuron.timeout'], 0.001),
        alpha: num('neuron.moving_average_alpha', flags['neuron.moving_average_alpha'], 0, 1),
        vpermitTaoLimit: flags['neuron.vpermit_tao_limit'],
        epochLength: flags['neuron.epoch_length'],
        disableSetWeights: flags['neuron.disable_set_weights'],
        maxSteps: flags['neuron.steps'],
        stepIntervalS: num('neuron.step_interval', flags['neuron.step_interval'], 0),
        transport: flags['neuron.transport'] as Transport,
        data: {
          real: flags['data.real_dir'] ?? [],
          fake: flags['data.synthetic_dir'] ?? [],
          corpus: flags['data.corpus'],
          datasets: flags['data.dataset'] ?? [],
          cacheDir: flags['data.cache_dir'],
          esrgan: flags['data.esrgan'],
          generation: {
            models: flags['generation.model'] ?? [],
            steps: flags['generation.steps'],
            size: flags['generation.size'],
            guidanceScale: flags['generation.guidance_scale'] === undefined ? undefined : num('generation.guidance_scale', flags['generation.guidance_scale'], 0),
            provider: flags['generation.provider'],
            promptModel: flags['generation.prompt_model'],
            cacheDir: flags['generation.cache_dir'],
            cacheSize: flags['generation.cache_size'],
          },
        },
        level: parseLevelChoice(flags['challenge.level']),
        reward: parseRewardMode(flags.reward),
        seed: flags.seed,
        metricsPort: flags['metrics.port'],
        metricsHost: flags['metrics.host'],
        logger,
        signal: stop.signal,
        onChainReady: flags['proxy.port'] === undefined ? undefined : async ({client, hotkey, netuid}) => {
          const proxy = await proxyOnChain(client, netuid, hotkey, {
            port: flags['proxy.port'],
            host: flags['proxy.host'],
            miners: flags['proxy.miners'],
            timeoutS: num('proxy.timeout_s', flags['proxy.timeout_s'], 0.001, 120),
            rateLimit: flags['proxy.rate_limit'],
            keysFile: flags['proxy.keys_file'],
            version: this.config.version,
          }, logger.child('proxy'))
          logger.info('proxy serving', {url: proxy.url})
          return () => proxy.close()
        },
      })
    } catch (err) {
      this.fail(err)
    } finally {
      stop.dispose()
    }
  }
}
