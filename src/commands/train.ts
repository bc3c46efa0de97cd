import {NotBuiltCommand} from '../config/base-command.js'

export default class Train extends NotBuiltCommand {
  static override description = 'not built yet'
  static override issue = '7'
  static override strict = false
}
