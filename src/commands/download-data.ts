import {NotBuiltCommand} from '../config/base-command.js'

export default class DownloadData extends NotBuiltCommand {
  static override description = 'not built yet'
  static override issue = '6'
  static override strict = false
}
