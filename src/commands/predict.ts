import {NotBuiltCommand} from '../config/base-command.js'

export default class Predict extends NotBuiltCommand {
  static override description = 'not built yet'
  static override issue = '2'
  static override strict = false
}
