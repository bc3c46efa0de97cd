import {Flags} from '@oclif/core'

import {BitmindCommand} from '../../../cli/base-command.js'
import {keysFileFlag} from '../../../cli/flags.js'
import {KeysFile} from '../../../proxy/keys.js'

export default class ProxyKeysAdd extends BitmindCommand {
  static override summary = 'Make an API key for the proxy and print it (the file keeps only a salted hash)'
  static override examples = ['<%= config.bin %> proxy keys add --name alice', '<%= config.bin %> proxy keys add --name ci --proxy.keys_file ./keys.json --json']
  static override flags = {
    name: Flags.string({description: 'who the key is for (shown by list; revoke takes it too)', required: true}),
    ...keysFileFlag,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ProxyKeysAdd)
    const file = new KeysFile(flags['proxy.keys_file'])
    try {
      const made = await file.add(flags.name)
      if (!this.jsonEnabled()) {
        this.log(made.key)
        this.logToStderr(`key ${made.id} (${made.name}) added to ${file.path}; it is shown only now. Use it as: Authorization: Bearer <key>`)
      }
      return {...made, file: file.path}
    } catch (err) {
      this.fail(err)
    }
  }
}
