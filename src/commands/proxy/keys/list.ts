import {BitmindCommand} from '../../../cli/base-command.js'
import {keysFileFlag} from '../../../cli/flags.js'
import {KeysFile} from '../../../proxy/keys.js'

export default class ProxyKeysList extends BitmindCommand {
  static override summary = 'List the proxy\'s API keys: id, name, creation time (never the keys)'
  static override examples = ['<%= config.bin %> proxy keys list', '<%= config.bin %> proxy keys list --json']
  static override flags = {...keysFileFlag}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ProxyKeysList)
    const file = new KeysFile(flags['proxy.keys_file'])
    try {
      const keys = await file.list()
      if (!this.jsonEnabled()) {
        if (keys.length === 0) this.log(`no keys in ${file.path}: the proxy needs none`)
        for (const k of keys) this.log(`${k.id}  ${k.name}  ${k.created}`)
      }
      return {file: file.path, keys}
    } catch (err) {
      this.fail(err)
    }
  }
}
