import {NotBuiltCommand} from '../config/base-command.js'

export default class Mine extends NotBuiltCommand {
  static override description = 'not built yet'
  static override issue = '9'
  static override strict = false
}
