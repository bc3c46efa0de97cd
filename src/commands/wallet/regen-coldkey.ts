import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {walletFlags} from '../../cli/flags.js'
import {newPassword, promptHidden, writeColdkey} from '../../wallet/index.js'


export default class WalletRegenColdkey extends BitmindCommand {
  static override summary = 'Restore a coldkey from its mnemonic (or 32-byte seed)'
  static override description = 'Without --mnemonic or --seed the mnemonic is asked for on the terminal (not echoed), which keeps it out of shell history.'
  static override examples = ['<%= config.bin %> wallet regen-coldkey --wallet.name miner']
  // a coldkey has no hotkey: only the wallet's name and folder
  static override flags = {
    'wallet.name': walletFlags['wallet.name'],
    'wallet.path': walletFlags['wallet.path'],
    overwrite: Flags.boolean({description: 'replace existing key files', default: false}),
    'no-password': Flags.boolean({description: 'write the coldkey unencrypted (not recommended)', default: false}),
    mnemonic: Flags.string({description: 'the BIP-39 mnemonic'}),
    seed: Flags.string({description: 'the 32-byte seed as hex', exclusive: ['mnemonic']}),
  }

  async run(): Promise<{name: string; coldkey: string}> {
    const {flags} = await this.parse(WalletRegenColdkey)
    const name = flags['wallet.name']
    try {
      const mnemonic = flags.seed ? undefined : (flags.mnemonic ?? (await promptHidden('Mnemonic: ')))
      const password = await newPassword(name, flags['no-password'])
      const r = await writeColdkey({name, hotkey: 'default', path: flags['wallet.path']}, {password, mnemonic, seed: flags.seed, overwrite: flags.overwrite})
      this.log(`coldkey ${r.address}`)
      return {name, coldkey: r.address}
    } catch (e) {
      this.fail(e)
    }
  }
}
