import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {walletFlags} from '../../cli/flags.js'
import {createWallet, newPassword} from '../../wallet/index.js'


export default class WalletCreate extends BitmindCommand {
  static override summary = 'Create a wallet (encrypted coldkey + one hotkey) in the btcli format; the mnemonics are shown once'
  static override examples = ['<%= config.bin %> wallet create --wallet.name miner --wallet.hotkey default']
  static override flags = {...walletFlags, overwrite: Flags.boolean({description: 'replace existing key files', default: false}), 'no-password': Flags.boolean({description: 'write the coldkey unencrypted (not recommended)', default: false})}

  async run(): Promise<{name: string; coldkey: string; hotkey: string; coldkeyMnemonic?: string; hotkeyMnemonic?: string}> {
    const {flags} = await this.parse(WalletCreate)
    const name = flags['wallet.name']
    try {
      const password = await newPassword(name, flags['no-password'])
      const r = await createWallet({name, hotkey: flags['wallet.hotkey'], path: flags['wallet.path'], password, overwrite: flags.overwrite})
      this.log(`coldkey ${r.coldkey.address}\n  mnemonic (write it down; it is not shown again): ${r.coldkey.mnemonic}`)
      this.log(`hotkey ${flags['wallet.hotkey']} ${r.hotkey.address}\n  mnemonic (write it down; it is not shown again): ${r.hotkey.mnemonic}`)
      return {name, coldkey: r.coldkey.address, hotkey: r.hotkey.address, coldkeyMnemonic: r.coldkey.mnemonic, hotkeyMnemonic: r.hotkey.mnemonic}
    } catch (e) {
      this.fail(e)
    }
  }
}
