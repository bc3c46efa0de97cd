import {Flags} from '@oclif/core'

import {BitmindCommand} from '../config/base-command.js'
import {loggingFlags} from '../config/flags.js'
import {runDemo} from '../validator/demo.js'
import {formatRoundTable} from '../validator/local-subnet.js'

export default class Demo extends BitmindCommand {
  static override description = `A full BitMind round on this machine, offline, in about 15 seconds on two cores.

Starts a local devnet, creates throw-away wallets, registers a validator (with stake) and three miners — the
shipped detector, an untrained NPR and one that always answers 0.5 — runs validator steps with real photos and
ESRGAN-generated images, sets weights, waits for the epoch and prints uid, accuracy, score, weight and incentive.`

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --corpus ~/bitmind-corpus --steps 30']

  static override flags = {
    ...loggingFlags,
    corpus: Flags.string({description: 'offline corpus for real photos (its test split)', env: 'BITMIND_CORPUS'}),
    model: Flags.string({description: 'detector for the "shipped" miner (default models/npr.onnx)'}),
    steps: Flags.integer({description: 'validator steps', default: 16, min: 1, max: 500}),
    seed: Flags.integer({description: 'seed for challenges and sampling', default: 1}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Demo)
    const logger = this.makeLogger(flags['logging.debug'])
    const json = this.jsonEnabled()
    try {
      const result = await runDemo({
        corpus: flags.corpus,
        modelPath: flags.model,
        steps: flags.steps,
        seed: flags.seed,
        logger: flags['logging.debug'] ? logger : logger.child('demo'),
        onStep: (r) => {
          if (json) return
          const answers = r.uids.map((u, i) => `uid${u}:${typeof r.predictions[i] === 'number' ? (r.predictions[i] as number).toFixed(2) : '-'}`).join(' ')
          this.log(`step ${String(r.step).padStart(2)}  ${r.label === 1 ? 'fake' : 'real'} (${r.source})  accuracy ${r.accuracy.toFixed(2)}  ${answers}${r.weightsSet ? '  [weights set]' : ''}`)
        },
      })
      if (!json) {
        this.log('')
        this.log(formatRoundTable(result.rows))
        this.log('')
        this.log(`validator uid ${result.validatorUid}; weights on chain (uid, u16): ${JSON.stringify(result.weightsOnChain)}; block ${result.block}; ${result.seconds.toFixed(1)} s`)
      }
      return result
    } catch (err) {
      this.fail((err as Error).message)
    }
  }
}
