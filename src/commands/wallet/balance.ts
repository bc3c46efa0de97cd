import {Flags} from '@oclif/core'

import {formatTao, freeBalance, stakesOf} from '../../chain/index.js'
import {BitmindCommand} from '../../cli/base-command.js'
import {walletOnChainFlags} from '../../cli/flags.js'
import {endpointFrom, walletFrom, withSubtensor} from '../../cli/subtensor.js'
import {resolveDestination} from '../../wallet/index.js'

export default class WalletBalance extends BitmindCommand {
  static override summary = 'Show a coldkey’s free balance and its stake per hotkey and subnet'
  static override examples = [
    '<%= config.bin %> wallet balance --wallet.name validator --subtensor.network local',
    '<%= config.bin %> wallet balance --address 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY --json',
  ]

  static override flags = {...walletOnChainFlags, address: Flags.string({description: 'an SS58 address or wallet name to look up instead of --wallet.name'})}

  async run(): Promise<{address: string; endpoint: string; free: string; staked: {hotkey: string; netuid: number; stake: string}[]; total: string}> {
    const {flags} = await this.parse(WalletBalance)
    let address: string
    let endpoint: string
    try {
      endpoint = endpointFrom(flags)
      address = flags.address ? resolveDestination(flags.address, flags['wallet.path'], 'address').address : (await walletFrom(flags)).coldkeyAddress
    } catch (e) {
      this.fail(e)
    }
    return withSubtensor(endpoint, (e) => this.fail(e), async (client) => {
      const [free, stakes] = await Promise.all([freeBalance(client, address), stakesOf(client, address)]).catch((e: unknown) => this.fail(e))
      const staked = stakes.reduce((s, x) => s + x.rao, 0n)
      this.log(`coldkey ${address} on ${endpoint}`)
      this.log(`  free    ${formatTao(free)} TAO`)
      for (const s of stakes) this.log(`  staked  ${formatTao(s.rao)} TAO on hotkey ${s.hotkey} in netuid ${s.netuid}`)
      this.log(`  total   ${formatTao(free + staked)} TAO`)
      return {
        address,
        endpoint,
        free: formatTao(free),
        staked: stakes.map((s) => ({hotkey: s.hotkey, netuid: s.netuid, stake: formatTao(s.rao)})),
        total: formatTao(free + staked),
      }
    })
  }
}
