import os from 'node:os'
import path from 'node:path'

import {Flags} from '@oclif/core'

import {BitmindCommand} from '../config/base-command.js'
import {loggingFlags} from '../config/flags.js'
import {createFileLogger, createLogger, teeLogger} from '../config/logger.js'
import {runDemo} from '../validator/demo.js'
import {formatRoundTable} from '../validator/local-subnet.js'

export default class Demo extends BitmindCommand {
  static override description = `A full BitMind round on this machine, offline, in about a minute.

Starts a local devnet, creates throw-away wallets, registers a validator (with stake) and three miners — the shipped detector, an untrained NPR and one that always answers 0.5 — runs validator steps with real photos and ESRGAN-generated images, sets weights, waits for the epoch and prints uid, accuracy, score, weight and incentive.

The terminal gets one line per validator step and the table; the structured log (JSON lines: devnet, miners, every step, weights) goes to --log-file. --json prints the whole result instead.`

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --corpus ~/bitmind-corpus --steps 30']

  static override flags = {
    ...loggingFlags,
    corpus: Flags.string({description: 'offline corpus for real photos (its test split)', env: 'BITMIND_CORPUS'}),
    model: Flags.string({description: 'detector for the "shipped" miner (default models/npr.onnx)'}),
    steps: Flags.integer({description: 'validator steps', default: 16, min: 1, max: 500}),
    seed: Flags.integer({description: 'seed for challenges and sampling', default: 1}),
    'log-file': Flags.string({
      description: 'write the structured log (JSON lines) here',
      defaultHelp: async () => path.join(os.tmpdir(), 'bitmind-demo-<pid>.log'),
    }),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Demo)
    const logFile = path.resolve(flags['log-file'] ?? path.join(os.tmpdir(), `bitmind-demo-${process.pid}.log`))
    // warnings and errors also reach the terminal (stderr, one line each)
    const logger = teeLogger(
      createFileLogger(logFile, {level: flags['logging.debug'] ? 'debug' : 'info'}),
      createLogger({level: 'warn', json: false}),
    )
    const json = this.jsonEnabled()
    if (!json) this.log(`bitmind demo: a local devnet, one validator and three miners on 127.0.0.1; log: ${logFile}`)
    try {
      const result = await runDemo({
        corpus: flags.corpus,
        modelPath: flags.model,
        steps: flags.steps,
        seed: flags.seed,
        logger: logger.child('demo'),
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
      return {...result, logFile}
    } catch (err) {
      this.fail(`${(err as Error).message} (log: ${logFile})`)
    }
  }
}
