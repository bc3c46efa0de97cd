import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {untilSignal} from '../cli/signals.js'
import {cliMessage} from '../cli/messages/index.js'
import {expandHome} from '../config/paths.js'
import {type Devnet, readGenesisFile, startDevnet} from '../devnet/index.js'

export default class DevnetCommand extends BitmindCommand {
  static override summary = 'Run a local Subtensor-compatible chain (real JSON-RPC, finney metadata) for testing neurons'
  static override description = `Starts a chain in this process that @polkadot/api (and so \`bitmind mine\` / \`validate\`)
talks to exactly as to finney: real metadata (spec 343), signed extrinsics checked for signature, nonce and fees,
SubtensorModule registration (burn, or PoW with --pow), serve_axon, set_weights, commit/reveal and timelocked commits,
and an epoch every tempo blocks that turns weights into incentive. Dev accounts //Alice … //Ferdie are funded.
Ctrl-C stops it and, with --state, saves the chain so the next start continues from there. While it runs, the
state is saved every 2 s when new blocks were sealed (temp file + rename, so the file is never half written): a
SIGKILL or power loss loses at most the blocks of the last ~2 s — at most 3 at the default 1 s block time, 1 at
--block-time 12. Restart it on the same --port and connected neurons reconnect by themselves.`

  static override examples = [
    '<%= config.bin %> devnet',
    '<%= config.bin %> devnet --block-time 12 --state ~/.bittensor/devnet.json',
    '<%= config.bin %> devnet --genesis devnet.json --pow --port 9945',
  ]

  static override flags = {
    port: Flags.integer({description: 'WebSocket JSON-RPC port (0 = any free port)', default: 9944, min: 0, max: 65535}),
    host: Flags.string({description: 'address to listen on', default: '127.0.0.1'}),
    'block-time': Flags.string({
      description: 'seconds between blocks (12 = like finney); 0 = a block as soon as a transaction arrives',
      default: '1',
    }),
    state: Flags.string({description: 'state file: loaded when it exists, saved on exit and every 2 s (a SIGKILL loses ≤ 3 blocks at 1 s blocks)'}),
    genesis: Flags.string({description: 'genesis JSON (accounts, subnets and hyperparameters, neurons); see src/devnet/genesis.ts'}),
    pow: Flags.boolean({
      description: 'register runs the PoW rule (hotkey-signed seal); --no-pow = the current burn rule',
      allowNo: true,
    }),
  }

  async run(): Promise<{url: string; accounts: Devnet['accounts']; block: number}> {
    const {flags} = await this.parse(DevnetCommand)
    const blockTime = Number(flags['block-time'])
    if (!Number.isFinite(blockTime) || blockTime < 0) this.fail(`--block-time "${flags['block-time']}" is not a number of seconds ≥ 0`)
    let devnet: Devnet
    try {
      devnet = await startDevnet({
        port: flags.port,
        host: flags.host,
        blockTimeMs: Math.round(blockTime * 1000),
        statePath: flags.state ? expandHome(flags.state) : undefined,
        genesis: flags.genesis ? readGenesisFile(expandHome(flags.genesis)) : undefined,
        powRegistration: flags.pow,
      })
    } catch (e) {
      this.fail(`devnet: ${cliMessage(e)}`)
    }
    const info = {url: devnet.url, accounts: devnet.accounts, block: devnet.chain.head.number}
    if (!this.jsonEnabled()) {
      this.log(`bitmind devnet listening on ${devnet.url} (block #${info.block}, ${blockTime === 0 ? 'instant blocks' : `${blockTime}s blocks`})`)
      this.log('funded dev accounts:')
      for (const a of devnet.accounts) this.log(`  ${a.account.padEnd(10)} ${a.address}  ${a.balance} TAO`)
      const endpoint = devnet.url === 'ws://127.0.0.1:9944' ? '--subtensor.network local' : `--subtensor.chain_endpoint ${devnet.url}`
      this.log('point neurons at it with:')
      this.log(`  bitmind register --netuid 1 ${endpoint}`)
      this.log(`  bitmind mine --netuid 1 ${endpoint}`)
      this.log(`  bitmind validate --netuid 1 ${endpoint}`)
      this.log('Ctrl-C to stop' + (flags.state ? ` (state is saved to ${flags.state})` : ''))
    } else {
      process.stderr.write(JSON.stringify(info) + '\n')
    }
    await untilSignal()
    await devnet.stop()
    if (!this.jsonEnabled()) this.log(`devnet stopped at block #${devnet.chain.head.number}`)
    return {...info, block: devnet.chain.head.number}
  }
}
