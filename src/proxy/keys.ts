import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import writeFileAtomic from 'write-file-atomic'
import {z} from 'zod'

import {DEFAULT_PROXY_KEYS_FILE, expandHome} from '../config/paths.js'

export {DEFAULT_PROXY_KEYS_FILE}

const keyEntry = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  name: z.string(),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
})
const keysDoc = z.object({version: z.literal(1), keys: z.array(keyEntry)})

export type KeyEntry = z.infer<typeof keyEntry>
export type KeyInfo = Pick<KeyEntry, 'id' | 'name' | 'created'>

/** `bmk_<id>_<secret>`: the id finds the entry without trying every hash; the secret is 32 random bytes. */
const KEY_FORMAT = /^bmk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/

/*
 * The secret is 256 random bits, so a salted SHA-256 is enough to make a stolen file useless, and it is cheap enough to
 * run on every request (a password KDF would cost milliseconds per call).
 */
function hashSecret(salt: string, secret: string): Buffer {
  return createHash('sha256').update(Buffer.from(salt, 'hex')).update(secret, 'utf8').digest()
}

async function readDoc(file: string): Promise<z.infer<typeof keysDoc>> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {version: 1, keys: []}
    throw err
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${file} is not JSON: fix or remove it (bitmind proxy keys add writes a new one)`)
  }
  const parsed = keysDoc.safeParse(json)
  if (!parsed.success) throw new Error(`${file} is not a proxy keys file (${parsed.error.issues[0]?.message ?? 'bad shape'}): fix or remove it`)
  return parsed.data
}

async function writeDoc(file: string, doc: z.infer<typeof keysDoc>): Promise<void> {
  await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n', {mode: 0o600})
  // write-file-atomic keeps an existing file's mode; the file holds hashes only, but nobody else needs to read them
  await fs.chmod(file, 0o600)
}

/** The keys file: only salted hashes on disk, mode 0600. */
export class KeysFile {
  readonly path: string

  constructor(file: string) {
    this.path = path.resolve(expandHome(file))
  }

  async list(): Promise<KeyInfo[]> {
    return (await readDoc(this.path)).keys.map(({id, name, created}) => ({id, name, created}))
  }

  /** Adds a key and returns it: the only time the key itself is seen. */
  async add(name: string): Promise<{key: string} & KeyInfo> {
    const doc = await readDoc(this.path)
    let id: string
    do id = randomBytes(4).toString('hex')
    while (doc.keys.some((k) => k.id === id))
    const secret = randomBytes(32).toString('base64url')
    const salt = randomBytes(16).toString('hex')
    const entry = {id, name, salt, hash: hashSecret(salt, secret).toString('hex'), created: new Date().toISOString()}
    doc.keys.push(entry)
    await writeDoc(this.path, doc)
    return {key: `bmk_${id}_${secret}`, id, name, created: entry.created}
  }

  /** Removes the keys whose id or name is `which`; returns what was removed. */
  async revoke(which: string): Promise<KeyInfo[]> {
    const doc = await readDoc(this.path)
    const gone = doc.keys.filter((k) => k.id === which || k.name === which)
    if (gone.length === 0) return []
    doc.keys = doc.keys.filter((k) => !gone.includes(k))
    await writeDoc(this.path, doc)
    return gone.map(({id, name, created}) => ({id, name, created}))
  }
}

/**
 * What the server checks keys against: the file as it is now. It is re-read when its inode, size or mtime change,
 * so `bitmind proxy keys add|revoke` take effect on the next request without a restart.
 */
export class KeyChecker {
  private stamp = ''
  private entries = new Map<string, KeyEntry>()
  readonly file: string | undefined

  /** Without a file, no key is needed. */
  constructor(file: string | undefined) {
    this.file = file === undefined ? undefined : path.resolve(expandHome(file))
  }

  private async refresh(): Promise<void> {
    if (!this.file) return
    let stamp: string
    try {
      const st = await fs.stat(this.file)
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      stamp = 'missing'
    }
    if (stamp === this.stamp) return
    const doc = await readDoc(this.file)
    this.entries = new Map(doc.keys.map((k) => [k.id, k]))
    this.stamp = stamp
  }

  /** True when the file has at least one key: then every /v1 request needs one. */
  async required(): Promise<boolean> {
    await this.refresh()
    return this.entries.size > 0
  }

  /** The key's id when `key` is a current key, else undefined. */
  async verify(key: string): Promise<string | undefined> {
    await this.refresh()
    const m = KEY_FORMAT.exec(key)
    if (!m) return undefined
    const entry = this.entries.get(m[1]!)
    if (!entry) return undefined
    const ok = timingSafeEqual(hashSecret(entry.salt, m[2]!), Buffer.from(entry.hash, 'hex'))
    return ok ? entry.id : undefined
  }
}
