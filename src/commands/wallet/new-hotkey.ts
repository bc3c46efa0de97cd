import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {walletFlags} from '../../cli/flags.js'
import {writeHotkey} from '../../wallet/index.js'


export default class WalletNewHotkey extends BitmindCommand {
  static override summary = 'Add a hotkey to a wallet; its mnemonic is shown once'
  static override examples = ['<%= config.bin %> wallet new-hotkey --wallet.name miner --wallet.hotkey h2']
  static override flags = {...walletFlags, overwrite: Flags.boolean({description: 'replace existing key files', default: false})}

  async run(): Promise<{name: string; hotkey: string; address: string; mnemonic?: string}> {
    const {flags} = await this.parse(WalletNewHotkey)
    const ref = {name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']}
    const r = await writeHotkey(ref, {overwrite: flags.overwrite}).catch((e: unknown) => this.fail(e))
    this.log(`hotkey ${ref.hotkey} ${r.address}\n  mnemonic (write it down; it is not shown again): ${r.mnemonic}`)
    return {name: ref.name, hotkey: ref.hotkey, address: r.address, mnemonic: r.mnemonic}
  }
}
