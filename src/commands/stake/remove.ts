import {coldkeyStake, formatTao, parseTao, removeStake} from '../../chain/index.js'
import {stakeFlags} from '../../cli/flags.js'
import {type StakeDirection, StakeCommand} from '../../cli/stake.js'

/** Stake goes from the hotkey back to the coldkey's free balance; `all` is whatever the coldkey has staked there. */
const toColdkey: StakeDirection<bigint | 'all'> = {
  parseAmount: (text) => (text.trim().toLowerCase() === 'all' ? 'all' : parseTao(text)),
  async checkAmount({client, coldkey, hotkey, netuid}, asked, io) {
    const held = await coldkeyStake(client, hotkey, coldkey, netuid)
    const amount = asked === 'all' ? held : asked
    if (held === 0n) io.fail(`coldkey ${coldkey} has no stake on hotkey ${hotkey} in netuid ${netuid}`)
    if (held < amount) io.fail(`not enough stake: coldkey ${coldkey} has ${formatTao(held)} TAO staked on ${hotkey} in netuid ${netuid}, less than ${formatTao(amount)}`)
    return amount
  },
  question: ({coldkey, hotkey, netuid}, rao) => `Unstake ${formatTao(rao)} TAO from hotkey ${hotkey} in netuid ${netuid} back to ${coldkey}?`,
  submit: ({client, hotkey, netuid}, pair, rao) => removeStake(client, pair, hotkey, netuid, rao),
  async report({hotkey, netuid}, rao, {stake, balance}, io) {
    io.log(`unstaked ${formatTao(rao)} TAO from ${hotkey} in netuid ${netuid}: ${formatTao(stake)} still staked, ${formatTao(balance)} TAO free`)
  },
}

export default class StakeRemove extends StakeCommand<bigint | 'all'> {
  static override summary = 'Unstake from the wallet’s hotkey in a subnet back to its coldkey (subtensorModule.remove_stake)'
  static override examples = [
    '<%= config.bin %> stake remove --amount 50 --netuid 34 --wallet.name validator --wallet.hotkey default',
    '<%= config.bin %> stake remove --amount all --wallet.name validator --subtensor.network local --yes',
  ]

  static override flags = stakeFlags('stake to remove (e.g. 50; at most 9 decimals), or "all"')

  protected readonly direction = toColdkey
}
