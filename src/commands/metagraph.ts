import type {Metagraph} from '../chain/index.js'
import {BitmindCommand} from '../cli/base-command.js'
import {netuidFlag, subtensorFlags} from '../cli/flags.js'
import {endpointFrom, withSubtensor} from '../cli/subtensor.js'

export default class MetagraphCommand extends BitmindCommand {
  static override summary = 'Show a subnet’s metagraph: uids, hotkeys, stake, trust, incentive, dividends, axons'
  static override examples = ['<%= config.bin %> metagraph --netuid 34', '<%= config.bin %> metagraph --netuid 1 --subtensor.network local --json']
  static override flags = {...netuidFlag, ...subtensorFlags}

  async run(): Promise<Omit<Metagraph, 'weights'>> {
    const {flags} = await this.parse(MetagraphCommand)
    const endpoint = endpointFrom(flags)
    const mg = await withSubtensor(endpoint, (e) => this.fail(e), (client) => client.metagraph(flags.netuid).catch((e: unknown) => this.fail(e)))
    const {weights: _weights, ...out} = mg
    if (!this.jsonEnabled()) {
      const f = (x: number, d = 4) => x.toFixed(d)
      const rows = mg.uids.map((u) => [
        String(u),
        mg.hotkeys[u]!,
        f(mg.stake[u]!, 2),
        f(mg.trust[u]!),
        f(mg.consensus[u]!),
        f(mg.incentive[u]!),
        f(mg.dividends[u]!),
        f(mg.emission[u]!, 6),
        mg.validatorPermit[u] ? '*' : '',
        String(mg.lastUpdate[u]),
        mg.axons[u]!.port ? `${mg.axons[u]!.ip}:${mg.axons[u]!.port}` : '-',
      ])
      const head = ['UID', 'HOTKEY', 'STAKE', 'TRUST', 'CONSENSUS', 'INCENTIVE', 'DIVIDENDS', 'EMISSION', 'VPERMIT', 'UPDATED', 'AXON']
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
      const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')
      this.log(`netuid ${mg.netuid} at block ${mg.block}: ${mg.n} neurons (${endpoint})`)
      this.log(line(head))
      for (const r of rows) this.log(line(r))
    }
    return out
  }
}
