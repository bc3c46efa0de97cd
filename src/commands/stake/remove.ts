import {Flags} from '@oclif/core'

import {coldkeyStake, connectSubtensor, formatTao, freeBalance, parseTao, removeStake, stakeNetuid} from '../../chain/index.js'
import {BitmindCommand, confirmed} from '../../cli/base-command.js'
import {subtensorFlags, walletFlags} from '../../cli/flags.js'
import {resolveEndpoint} from '../../cli/networks.js'
import {openWallet} from '../../wallet/index.js'

export default class StakeRemove extends BitmindCommand {
  static override summary = 'Unstake from the wallet’s hotkey in a subnet back to its coldkey (subtensorModule.remove_stake)'
  static override examples = [
    '<%= config.bin %> stake remove --amount 50 --netuid 34 --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> stake remove --amount all --wallet.name validator --subtensor.network local --yes',
  ]

  static override flags = {
    ...walletFlags,
    ...subtensorFlags,
    amount: Flags.string({description: 'stake to remove (e.g. 50; at most 9 decimals), or "all"', required: true}),
    netuid: Flags.integer({description: 'subnet id (default: the one subnet the hotkey is registered on)', min: 0, max: 65535}),
    yes: Flags.boolean({char: 'y', description: 'do not ask to confirm', default: false}),
  }

  async run(): Promise<{coldkey: string; hotkey: string; netuid: number; amount: string; stake: string; balance: string}> {
    const {flags} = await this.parse(StakeRemove)
    let rao: bigint | 'all'
    let endpoint: string
    let coldkey: string
    let hotkey: string
    const wallet = await openWallet({name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']})
    try {
      rao = flags.amount.trim().toLowerCase() === 'all' ? 'all' : parseTao(flags.amount)
      endpoint = resolveEndpoint(flags['subtensor.network'], flags['subtensor.chain_endpoint'])
      coldkey = wallet.coldkeyAddress
      hotkey = wallet.hotkeyAddress
    } catch (e) {
      this.fail(e)
    }
    const client = await connectSubtensor(endpoint).catch((e: unknown) => this.fail(e))
    try {
      const netuid = await stakeNetuid(client, hotkey, flags.netuid).catch((e: unknown) => this.fail(e))
      const held = await coldkeyStake(client, hotkey, coldkey, netuid)
      const amount = rao === 'all' ? held : rao
      if (held === 0n) this.fail(`coldkey ${coldkey} has no stake on hotkey ${hotkey} in netuid ${netuid}`)
      if (held < amount) this.fail(`not enough stake: coldkey ${coldkey} has ${formatTao(held)} TAO staked on ${hotkey} in netuid ${netuid}, less than ${formatTao(amount)}`)
      const no = await confirmed(`Unstake ${formatTao(amount)} TAO from hotkey ${hotkey} in netuid ${netuid} back to ${coldkey}?`, flags.yes)
      if (no) this.fail(no)
      const pair = await wallet.coldkeyPair().catch((e: unknown) => this.fail(e))
      await removeStake(client, pair, hotkey, netuid, amount).catch((e: unknown) => this.fail(e))
      const [stake, balance] = await Promise.all([coldkeyStake(client, hotkey, coldkey, netuid), freeBalance(client, coldkey)])
      this.log(`unstaked ${formatTao(amount)} TAO from ${hotkey} in netuid ${netuid}: ${formatTao(stake)} still staked, ${formatTao(balance)} TAO free`)
      return {coldkey, hotkey, netuid, amount: formatTao(amount), stake: formatTao(stake), balance: formatTao(balance)}
    } finally {
      await client.close()
    }
  }
}
