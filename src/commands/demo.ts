import os from 'node:os'
import path from 'node:path'

import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {untilSignal} from '../cli/signals.js'
import {cliMessage} from '../cli/messages/index.js'
import {loggingFlags} from '../cli/flags.js'
import {createFileLogger, createLogger, teeLogger} from '../config/logger.js'
import {formatRoundTable, runDemo} from '../localnet/index.js'
import {parseRewardMode} from '../validator/rewards.js'
import type {Transport} from '../validator/transport.js'
import {proxyOnChain} from '../proxy/run.js'
import {DEFAULT_PROXY_PORT} from '../proxy/server.js'

export default class Demo extends BitmindCommand {
  static override description = `A full BitMind round on this machine, offline, in about 15 seconds on two cores.

Starts a local devnet, creates throw-away wallets, registers a validator (with stake) and three miners — the shipped detector, an untrained NPR and one that always answers 0.5 — runs validator steps with real photos and ESRGAN-generated images, sets weights, waits for the epoch and prints uid, accuracy, score, weight and incentive.

The terminal gets one line per validator step and the table; the structured log (JSON lines: devnet, miners, every step, weights) goes to --log-file. --json prints the whole result instead.`

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --corpus ~/bitmind-corpus --steps 30', '<%= config.bin %> demo --transport epistula']

  static override flags = {
    ...loggingFlags,
    corpus: Flags.string({description: 'offline corpus for real photos (its test split)', env: 'BITMIND_CORPUS'}),
    model: Flags.string({description: 'detector for the "shipped" miner (default: the shipped models/npr-int8.onnx)'}),
    steps: Flags.integer({description: 'validator steps', default: 16, min: 1, max: 500}),
    seed: Flags.integer({description: 'seed for challenges and sampling', default: 1}),
    reward: Flags.string({description: 'the validator\'s reward rule, as bitmind validate --reward', options: ['binary', 'mcc', 'sn34'], default: 'binary'}),
    transport: Flags.string({description: 'validator → miner transport: synapse (ImageSynapse) or epistula (signed POST /detect_image)', options: ['synapse', 'epistula'], default: 'synapse'}),
    serve: Flags.boolean({description: 'after the round keep the devnet, the miners and the validator proxy running on 127.0.0.1 and print the web page\'s URL (Ctrl-C stops)', default: false}),
    'proxy.port': Flags.integer({description: 'port of the proxy with --serve (0: any free port)', default: DEFAULT_PROXY_PORT, min: 0, max: 65535}),
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
    if (!json) this.log(`bitmind demo: a local devnet, one validator and three miners on 127.0.0.1 (reward ${flags.reward}, transport ${flags.transport}); log: ${logFile}`)
    try {
      const result = await runDemo({
        corpus: flags.corpus,
        modelPath: flags.model,
        steps: flags.steps,
        seed: flags.seed,
        reward: parseRewardMode(flags.reward),
        transport: flags.transport as Transport,
        logger: logger.child('demo'),
        onStep: (r) => {
          if (json) return
          const answers = r.uids.map((u, i) => `uid${u}:${typeof r.predictions[i] === 'number' ? (r.predictions[i] as number).toFixed(2) : '-'}`).join(' ')
          this.log(`step ${String(r.step).padStart(2)}  ${r.label === 1 ? 'fake' : 'real'} (${r.source})  accuracy ${r.accuracy.toFixed(2)}  ${answers}${r.weightsSet ? '  [weights set]' : ''}`)
        },
        onRoundDone: !flags.serve ? undefined : async (live, round) => {
          const proxy = await proxyOnChain(live.client, live.netuid, live.validator.hotkey, {
            port: flags['proxy.port'], host: '127.0.0.1', miners: 10, timeoutS: 20, rateLimit: 600, version: this.config.version,
          }, logger.child('proxy'))
          const say = (line: string) => (json ? this.logToStderr(line) : this.log(line))
          if (!json) this.log(`\n${formatRoundTable(round.rows)}\n`)
          say(`serving: devnet ${round.endpoint}, ${live.miners.length} miners, the validator's proxy on its hotkey (uid ${live.validator.uid})`)
          say(`proxy: ${proxy.url}  (open it and drop your own photo into the page; curl -F image=@photo.jpg ${proxy.url}v1/detect; Ctrl-C stops)`)
          logger.info(`${await untilSignal()}: stopping the proxy, the miners and the devnet`)
          await proxy.close()
        },
      })
      if (!json && !flags.serve) {
        this.log('')
        this.log(formatRoundTable(result.rows))
        this.log('')
        this.log(`validator uid ${result.validatorUid}; weights on chain (uid, u16): ${JSON.stringify(result.weightsOnChain)}; block ${result.block}; ${result.seconds.toFixed(1)} s`)
      }
      return {...result, logFile}
    } catch (err) {
      this.fail(`${cliMessage(err)} (log: ${logFile})`)
    }
  }
}
