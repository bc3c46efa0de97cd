import {Args} from '@oclif/core'

import {BitmindCommand} from '../../../cli/base-command.js'
import {keysFileFlag} from '../../../cli/flags.js'
import {KeysFile} from '../../../proxy/keys.js'

export default class ProxyKeysRevoke extends BitmindCommand {
  static override summary = 'Revoke proxy API keys by id or name; a running proxy refuses them on the next request'
  static override examples = ['<%= config.bin %> proxy keys revoke 1a2b3c4d', '<%= config.bin %> proxy keys revoke alice']
  static override args = {which: Args.string({description: 'key id (from list) or name', required: true})}
  static override flags = {...keysFileFlag}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(ProxyKeysRevoke)
    const file = new KeysFile(flags['proxy.keys_file'])
    let revoked
    try {
      revoked = await file.revoke(args.which)
    } catch (err) {
      this.fail(err)
    }
    if (revoked.length === 0) this.fail(`no key with id or name "${args.which}" in ${file.path}: see bitmind proxy keys list`)
    if (!this.jsonEnabled()) for (const k of revoked) this.log(`revoked ${k.id} (${k.name})`)
    return {file: file.path, revoked}
  }
}
