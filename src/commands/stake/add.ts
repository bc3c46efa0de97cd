import {Flags} from '@oclif/core'

import {addStake, coldkeyStake, connectSubtensor, formatTao, freeBalance, hotkeyExists, parseTao, stakeNetuid} from '../../chain/index.js'
import {BitmindCommand, confirmed} from '../../cli/base-command.js'
import {subtensorFlags, walletFlags} from '../../cli/flags.js'
import {resolveEndpoint} from '../../cli/networks.js'
import {openWallet} from '../../wallet/index.js'

export default class StakeAdd extends BitmindCommand {
  static override summary = 'Stake TAO from the wallet’s coldkey on its hotkey in a subnet (subtensorModule.add_stake)'
  static override description = `The stake counts at the subnet's next epoch: the top stakers (MaxAllowedValidators) get a validator
permit there, which a validator needs to set weights. Without --netuid, the subnet the hotkey is registered on is used.`
  static override examples = [
    '<%= config.bin %> stake add --amount 100 --netuid 34 --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> stake add --amount 500 --wallet.name validator --subtensor.network local --yes',
  ]

  static override flags = {
    ...walletFlags,
    ...subtensorFlags,
    amount: Flags.string({description: 'TAO to stake (e.g. 100; at most 9 decimals)', required: true}),
    netuid: Flags.integer({description: 'subnet id (default: the one subnet the hotkey is registered on)', min: 0, max: 65535}),
    yes: Flags.boolean({char: 'y', description: 'do not ask to confirm', default: false}),
  }

  async run(): Promise<{coldkey: string; hotkey: string; netuid: number; amount: string; stake: string; balance: string}> {
    const {flags} = await this.parse(StakeAdd)
    let rao: bigint
    let endpoint: string
    let coldkey: string
    let hotkey: string
    const wallet = await openWallet({name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']})
    try {
      rao = parseTao(flags.amount)
      endpoint = resolveEndpoint(flags['subtensor.network'], flags['subtensor.chain_endpoint'])
      coldkey = wallet.coldkeyAddress
      hotkey = wallet.hotkeyAddress
    } catch (e) {
      this.fail(e)
    }
    const client = await connectSubtensor(endpoint).catch((e: unknown) => this.fail(e))
    try {
      const netuid = await stakeNetuid(client, hotkey, flags.netuid).catch((e: unknown) => this.fail(e))
      if (!(await hotkeyExists(client, hotkey))) {
        this.fail(`unknown hotkey ${hotkey}: the chain has no owner for it; register it first (bitmind register --netuid ${netuid} --wallet.name ${wallet.name} --wallet.hotkey ${wallet.hotkeyName})`)
      }
      const free = await freeBalance(client, coldkey)
      if (free < rao) this.fail(`insufficient funds: coldkey ${coldkey} holds ${formatTao(free)} TAO, less than the ${formatTao(rao)} TAO to stake`)
      const no = await confirmed(`Stake ${formatTao(rao)} TAO from ${coldkey} on hotkey ${hotkey} in netuid ${netuid}?`, flags.yes)
      if (no) this.fail(no)
      const pair = await wallet.coldkeyPair().catch((e: unknown) => this.fail(e))
      await addStake(client, pair, hotkey, netuid, rao).catch((e: unknown) => this.fail(e))
      const [stake, balance, hp] = await Promise.all([coldkeyStake(client, hotkey, coldkey, netuid), freeBalance(client, coldkey), client.hyperparameters(netuid)])
      this.log(`staked ${formatTao(rao)} TAO on ${hotkey} in netuid ${netuid}: ${formatTao(stake)} staked, ${formatTao(balance)} TAO free`)
      this.logToStderr(`validator permits are given at the subnet's epoch (every ${hp.tempo + 1} blocks) to the top stakers`)
      return {coldkey, hotkey, netuid, amount: formatTao(rao), stake: formatTao(stake), balance: formatTao(balance)}
    } finally {
      await client.close()
    }
  }
}
