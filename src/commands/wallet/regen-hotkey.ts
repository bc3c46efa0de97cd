import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {walletFlags} from '../../cli/flags.js'
import {promptHidden, writeHotkey} from '../../wallet/index.js'


export default class WalletRegenHotkey extends BitmindCommand {
  static override summary = 'Restore a hotkey from its mnemonic (or 32-byte seed)'
  static override examples = ['<%= config.bin %> wallet regen-hotkey --wallet.name miner --wallet.hotkey default']
  static override flags = {
    ...walletFlags,
    overwrite: Flags.boolean({description: 'replace existing key files', default: false}),
    mnemonic: Flags.string({description: 'the BIP-39 mnemonic'}),
    seed: Flags.string({description: 'the 32-byte seed as hex', exclusive: ['mnemonic']}),
  }

  async run(): Promise<{name: string; hotkey: string; address: string}> {
    const {flags} = await this.parse(WalletRegenHotkey)
    const ref = {name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path']}
    try {
      const mnemonic = flags.seed ? undefined : (flags.mnemonic ?? (await promptHidden('Mnemonic: ')))
      const r = await writeHotkey(ref, {mnemonic, seed: flags.seed, overwrite: flags.overwrite})
      this.log(`hotkey ${ref.hotkey} ${r.address}`)
      return {name: ref.name, hotkey: ref.hotkey, address: r.address}
    } catch (e) {
      this.fail(e)
    }
  }
}
