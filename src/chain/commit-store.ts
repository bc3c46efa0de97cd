import fs from 'node:fs'
import path from 'node:path'

import writeFileAtomic from 'write-file-atomic'
import {z} from 'zod'

const pendingCommitSchema = z.object({
  netuid: z.number(),
  hotkey: z.string(),
  uids: z.array(z.number()),
  weights: z.array(z.number()),
  salt: z.array(z.number()),
  versionKey: z.number(),
  commitBlock: z.number(),
  hash: z.string(),
})
export type PendingCommit = z.infer<typeof pendingCommitSchema>

/**
 * The commit_weights salts and weights kept until their reveal: one JSON file per (hotkey, netuid) in `dir`
 * (settings.commitDir unless ConnectOptions.commitDir), folder 0700, files 0600.
 */
export class CommitStore {
  constructor(readonly dir: string) {}

  private file(netuid: number, hotkey: string): string {
    return path.join(this.dir, `${hotkey}-${netuid}.json`)
  }

  async save(pending: PendingCommit): Promise<void> {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700})
    await writeFileAtomic(this.file(pending.netuid, pending.hotkey), JSON.stringify(pending), {mode: 0o600})
  }

  load(netuid: number, hotkey: string): PendingCommit | undefined {
    const file = this.file(netuid, hotkey)
    if (!fs.existsSync(file)) return undefined
    return pendingCommitSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')))
  }

  remove(netuid: number, hotkey: string): void {
    fs.rmSync(this.file(netuid, hotkey), {force: true})
  }
}
