import {Flags} from '@oclif/core'
import type {KeyringPair} from '@polkadot/keyring/types'

import {formatTao, freeBalance, parseTao, transferKeepAlive} from '../../chain/index.js'
import {BitmindCommand, confirmed} from '../../cli/base-command.js'
import {confirmFlag, walletOnChainFlags} from '../../cli/flags.js'
import {endpointFrom, walletFrom, withSubtensor} from '../../cli/subtensor.js'
import {devAccountPair, resolveDestination} from '../../wallet/index.js'

export default class WalletTransfer extends BitmindCommand {
  static override summary = 'Send TAO from the wallet’s coldkey (or a dev account on a local chain) with balances.transfer_keep_alive'
  static override examples = [
    '<%= config.bin %> wallet transfer --wallet.name miner --dest 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY --amount 1.5',
    '<%= config.bin %> wallet transfer --from //Alice --dest validator --amount 1000 --subtensor.network local --yes',
  ]

  static override flags = {
    ...walletOnChainFlags,
    dest: Flags.string({description: 'recipient: an SS58 address, or the name of a wallet under --wallet.path (its coldkey)', required: true}),
    amount: Flags.string({description: 'TAO to send (e.g. 1.5; at most 9 decimals)', required: true}),
    from: Flags.string({description: 'sign with a development account URI such as //Alice (local chains only) instead of the wallet’s coldkey'}),
    ...confirmFlag,
  }

  async run(): Promise<{from: string; dest: string; amount: string; balance: string; blockHash: string}> {
    const {flags} = await this.parse(WalletTransfer)
    let rao: bigint
    let dest: string
    let endpoint: string
    let fromAddress: string
    let devPair: KeyringPair | undefined
    const wallet = await walletFrom(flags)
    try {
      rao = parseTao(flags.amount)
      dest = resolveDestination(flags.dest, flags['wallet.path']).address
      endpoint = endpointFrom(flags)
      devPair = flags.from ? await devAccountPair(flags.from) : undefined
      fromAddress = devPair ? devPair.address : wallet.coldkeyAddress
    } catch (e) {
      this.fail(e)
    }
    if (dest === fromAddress) this.fail(`--dest is the sender itself (${dest}): nothing to send`)
    return withSubtensor(endpoint, (e) => this.fail(e), async (client) => {
      const free = await freeBalance(client, fromAddress)
      if (free < rao) this.fail(`insufficient funds: ${fromAddress} holds ${formatTao(free)} TAO, less than the ${formatTao(rao)} TAO to send`)
      const no = await confirmed(`Send ${formatTao(rao)} TAO from ${fromAddress} to ${dest} on ${endpoint}?`, flags.yes)
      if (no) this.fail(no)
      const signer = devPair ?? (await wallet.coldkeyPair().catch((e: unknown) => this.fail(e)))
      const r = await transferKeepAlive(client, signer, dest, rao).catch((e: unknown) => this.fail(e))
      const after = await freeBalance(client, fromAddress)
      this.log(`sent ${formatTao(rao)} TAO from ${fromAddress} to ${dest}; the sender now holds ${formatTao(after)} TAO`)
      return {from: fromAddress, dest, amount: formatTao(rao), balance: formatTao(after), blockHash: r.blockHash}
    })
  }
}
