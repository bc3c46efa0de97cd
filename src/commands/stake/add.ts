import {addStake, formatTao, freeBalance, hotkeyExists, parseTao} from '../../chain/index.js'
import {stakeFlags} from '../../cli/flags.js'
import {type StakeDirection, StakeCommand} from '../../cli/stake.js'

/** TAO goes from the coldkey's free balance onto the hotkey. */
const toHotkey: StakeDirection<bigint> = {
  parseAmount: parseTao,
  async checkAmount({client, wallet, coldkey, hotkey, netuid}, rao, io) {
    if (!(await hotkeyExists(client, hotkey))) {
      io.fail(`unknown hotkey ${hotkey}: the chain has no owner for it; register it first (bitmind register --netuid ${netuid} --wallet.name ${wallet.name} --wallet.hotkey ${wallet.hotkeyName})`)
    }
    const free = await freeBalance(client, coldkey)
    if (free < rao) io.fail(`insufficient funds: coldkey ${coldkey} holds ${formatTao(free)} TAO, less than the ${formatTao(rao)} TAO to stake`)
    return rao
  },
  question: ({coldkey, hotkey, netuid}, rao) => `Stake ${formatTao(rao)} TAO from ${coldkey} on hotkey ${hotkey} in netuid ${netuid}?`,
  submit: ({client, hotkey, netuid}, pair, rao) => addStake(client, pair, hotkey, netuid, rao),
  async report({client, hotkey, netuid}, rao, {stake, balance}, io) {
    const hp = await client.hyperparameters(netuid)
    io.log(`staked ${formatTao(rao)} TAO on ${hotkey} in netuid ${netuid}: ${formatTao(stake)} staked, ${formatTao(balance)} TAO free`)
    io.logToStderr(`validator permits are given at the subnet's epoch (every ${hp.tempo + 1} blocks) to the top stakers`)
  },
}

export default class StakeAdd extends StakeCommand<bigint> {
  static override summary = 'Stake TAO from the wallet’s coldkey on its hotkey in a subnet (subtensorModule.add_stake)'
  static override description = `The stake counts at the subnet's next epoch: the top stakers (MaxAllowedValidators) get a validator
permit there, which a validator needs to set weights. Without --netuid, the subnet the hotkey is registered on is used.`
  static override examples = [
    '<%= config.bin %> stake add --amount 100 --netuid 34 --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> stake add --amount 500 --wallet.name validator --subtensor.network local --yes',
  ]

  static override flags = stakeFlags('TAO to stake (e.g. 100; at most 9 decimals)')

  protected readonly direction = toHotkey
}
