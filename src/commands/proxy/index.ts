import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {stopOnSignals} from '../../cli/signals.js'
import {loggingFlags, neuronFlags, neuronOptions, proxyFlags} from '../../cli/flags.js'
import {runProxy} from '../../proxy/run.js'
import {DEFAULT_PROXY_PORT} from '../../proxy/server.js'

export default class Proxy extends BitmindCommand {
  static override summary = 'Serve the validator proxy: an HTTP API and web page that ask the subnet\'s miners about an image'

  static override description = `The subnet as a service, on a registered validator's hotkey, without the scoring loop (bitmind validate
--proxy.port runs the same server beside a validator).

POST /v1/detect takes an image (multipart field "image", or JSON {"image": "<base64>"}), checks it as a miner's axon
does, re-encodes it as a challenge JPEG (no augmentation) and asks the top --proxy.miners serving uids by incentive;
the answer is the incentive-weighted mean of their valid predictions. Also GET /v1/miners, /healthz, /metrics,
/openapi.json, and the web page at /. Once --proxy.keys_file holds a key (bitmind proxy keys add), /v1/* needs
"Authorization: Bearer <key>". SIGINT/SIGTERM stop it.`

  static override examples = [
    '<%= config.bin %> proxy --netuid 34 --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> proxy --netuid 1 --subtensor.network ws://127.0.0.1:9944 --wallet.name v --proxy.port 8080 --proxy.host 127.0.0.1',
  ]

  static override flags = {
    ...neuronFlags,
    ...loggingFlags,
    'proxy.port': Flags.integer({description: 'port of the API and page (BitMind\'s validator proxy port)', default: DEFAULT_PROXY_PORT, min: 0, max: 65535}),
    ...proxyFlags,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Proxy)
    const timeoutS = Number(flags['proxy.timeout_s'])
    if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 120) this.fail(`--proxy.timeout_s must be a number of seconds in (0, 120], got "${flags['proxy.timeout_s']}"`)
    const logger = this.makeLogger(flags['logging.debug'])
    const stop = stopOnSignals((sig) => logger.info(`${sig}: stopping the proxy`))
    try {
      return await runProxy({
        ...neuronOptions(flags),
        port: flags['proxy.port'],
        host: flags['proxy.host'],
        miners: flags['proxy.miners'],
        timeoutS,
        rateLimit: flags['proxy.rate_limit'],
        keysFile: flags['proxy.keys_file'],
        version: this.config.version,
        logger,
        signal: stop.signal,
        onListening: (url) => {
          if (!this.jsonEnabled()) this.log(`proxy: ${url}`)
        },
      })
    } catch (err) {
      this.fail(err)
    } finally {
      stop.dispose()
    }
  }
}
