import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {netuidFlag, subtensorFlags, walletFlags} from '../cli/flags.js'
import {endpointFrom, walletFrom, withSubtensor} from '../cli/subtensor.js'
import {promptLine} from '../wallet/index.js'

const registerFlags = {
  ...netuidFlag,
  ...subtensorFlags,
  ...walletFlags,
  pow: Flags.boolean({description: 'register by proof of work (where the runtime allows it) instead of burning TAO', default: false}),
  'pow.workers': Flags.integer({description: 'PoW solver threads', default: 1, min: 1, max: 256}),
  yes: Flags.boolean({char: 'y', description: 'do not ask to confirm the burn cost', default: false}),
}

export default class Register extends BitmindCommand {
  static override summary = 'Register the wallet hotkey on a subnet (burn, or proof of work with --pow) and print its uid'
  static override flags = registerFlags
  static override examples = [
    '<%= config.bin %> register --netuid 34 --wallet.name miner --wallet.hotkey default',
    '<%= config.bin %> register --netuid 1 --subtensor.network local --pow --pow.workers 4 --yes',
  ]

  async run(): Promise<{netuid: number; hotkey: string; uid: number; alreadyRegistered: boolean; method?: 'burn' | 'pow'; burn?: number}> {
    const {flags} = await this.parse(Register)
    const netuid = flags.netuid
    const endpoint = endpointFrom(flags)
    const wallet = await walletFrom(flags)
    let hotkey: string
    try {
      hotkey = wallet.hotkeyAddress
    } catch (e) {
      this.fail(e)
    }
    return withSubtensor(endpoint, (e) => this.fail(e), async (client) => {
      if (!(await client.subnetExists(netuid))) this.fail(`subnet ${netuid} does not exist on ${endpoint}`)
      const existing = await client.uidOf(netuid, hotkey)
      if (existing !== undefined) {
        this.log(`hotkey ${hotkey} is already registered on netuid ${netuid} as uid ${existing}`)
        return {netuid, hotkey, uid: existing, alreadyRegistered: true}
      }
      const hp = await client.hyperparameters(netuid)
      if (!hp.registrationAllowed) this.fail(`registration is disabled on netuid ${netuid}`)
      if (flags.pow) {
        if (!hp.powRegistrationAllowed) this.fail(`netuid ${netuid} does not allow PoW registration on this runtime: register without --pow (burn ${hp.burn} TAO)`)
        const pair = wallet.hotkeyPair()
        this.logToStderr(`solving PoW for netuid ${netuid} (difficulty ${hp.difficulty}) on ${flags['pow.workers']} thread(s)…`)
        const uid = await client.powRegister(pair, wallet.coldkeyAddress, netuid, {
          workers: flags['pow.workers'],
          onProgress: (p) => process.stderr.write(`\r  block ${p.block}: ${p.hashes} hashes, ${Math.round(p.hashesPerSecond)} H/s   `),
        })
        process.stderr.write('\n')
        this.log(`registered ${hotkey} on netuid ${netuid}: uid ${uid}`)
        return {netuid, hotkey, uid, alreadyRegistered: false, method: 'pow'}
      }
      const balance = await client.balance(wallet.coldkeyAddress)
      if (balance < hp.burn) {
        const local = /^ws:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint) ? ' --from //Alice' : ' --wallet.name <funded wallet>'
        this.fail(
          `the coldkey holds ${balance} TAO, less than the ${hp.burn} TAO burn: fund it first, e.g. bitmind wallet transfer${local} --dest ${wallet.coldkeyAddress} --amount ${hp.burn} --subtensor.chain_endpoint ${endpoint}`,
        )
      }
      this.logToStderr(`burn cost on netuid ${netuid}: ${hp.burn} TAO (coldkey ${wallet.coldkeyAddress} holds ${balance} TAO)`)
      if (!flags.yes) {
        if (!process.stdin.isTTY) this.fail('confirm the burn with --yes (stdin is not a terminal)')
        const answer = (await promptLine(`Burn ${hp.burn} TAO to register on netuid ${netuid}? [y/N] `)).trim().toLowerCase()
        if (answer !== 'y' && answer !== 'yes') this.fail('not registered (cancelled)')
      }
      const coldkey = await wallet.coldkeyPair().catch((e: unknown) => this.fail(e))
      const uid = await client.burnedRegister(coldkey, hotkey, netuid).catch((e: unknown) => this.fail(e))
      this.log(`registered ${hotkey} on netuid ${netuid}: uid ${uid}`)
      return {netuid, hotkey, uid, alreadyRegistered: false, method: 'burn', burn: hp.burn}
    })
  }
}
