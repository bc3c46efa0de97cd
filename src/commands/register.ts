import {NotBuiltCommand} from '../config/base-command.js'

export default class Register extends NotBuiltCommand {
  static override description = 'not built yet'
  static override issue = '4'
  static override strict = false
}
