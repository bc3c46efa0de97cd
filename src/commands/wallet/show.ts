import {BitmindCommand} from '../../cli/base-command.js'
import {walletFlags} from '../../cli/flags.js'
import {openWallet} from '../../wallet/index.js'

export default class WalletShow extends BitmindCommand {
  static override summary = 'Show a wallet’s coldkey and hotkey addresses and files (no secret)'
  static override examples = ['<%= config.bin %> wallet show --wallet.name miner --wallet.hotkey default']
  static override flags = {...walletFlags}

  async run(): Promise<{name: string; hotkeyName: string; coldkey: string; hotkey: string; dir: string}> {
    const {flags} = await this.parse(WalletShow)
    const w = await openWallet({name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']})
    try {
      const out = {name: w.name, hotkeyName: w.hotkeyName, coldkey: w.coldkeyAddress, hotkey: w.hotkeyAddress, dir: w.files.dir}
      this.log(`wallet ${out.name} (${out.dir})\n  coldkey ${out.coldkey}\n  hotkey ${out.hotkeyName} ${out.hotkey}`)
      return out
    } catch (e) {
      this.fail(e)
    }
  }
}
