import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../cli/base-command.js'
import {DEFAULT_WALLET_PATH} from '../../config/paths.js'
import {listWallets, type WalletListing} from '../../wallet/index.js'

export default class WalletList extends BitmindCommand {
  static override summary = 'List wallets and their hotkeys with public addresses (reads no secret)'
  static override examples = ['<%= config.bin %> wallet list', '<%= config.bin %> wallet list --wallet.path ./wallets --json']
  static override flags = {
    'wallet.path': Flags.string({description: 'folder holding wallets', default: DEFAULT_WALLET_PATH, env: 'BT_WALLET_PATH'}),
  }

  async run(): Promise<{wallets: WalletListing[]}> {
    const {flags} = await this.parse(WalletList)
    const wallets = await listWallets(flags['wallet.path'])
    if (wallets.length === 0) this.log(`no wallets under ${flags['wallet.path']}`)
    for (const w of wallets) {
      this.log(`${w.name}  ${w.coldkeyAddress ?? '(no coldkeypub.txt)'}`)
      for (const h of w.hotkeys) this.log(`  ${h.name}  ${h.address ?? '(unreadable)'}`)
    }
    return {wallets}
  }
}
