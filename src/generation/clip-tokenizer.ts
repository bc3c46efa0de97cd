import {promises as fs} from 'node:fs'
import path from 'node:path'

import {z} from 'zod'

export const CLIP_MAX_LENGTH = 77

/** GPT-2's reversible byte → printable-character table, which CLIP's vocab is written in. */
function byteEncoder(): string[] {
  const bs: number[] = []
  for (let b = 33; b <= 126; b++) bs.push(b)
  for (let b = 161; b <= 172; b++) bs.push(b)
  for (let b = 174; b <= 255; b++) bs.push(b)
  const table: string[] = new Array(256)
  for (const b of bs) table[b] = String.fromCodePoint(b)
  let n = 0
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++)
  return table
}

const BYTE_ENCODER = byteEncoder()
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu

const tokenizerConfigSchema = z.object({
  pad_token: z.union([z.string(), z.object({content: z.string()})]).optional(),
  model_max_length: z.number().optional(),
}).passthrough()

/**
 * CLIP's BPE tokenizer built from `vocab.json` + `merges.txt` (the files diffusers' ONNX exports ship, without a
 * `tokenizer.json`): lower-cased, whitespace-collapsed text, GPT-2 byte mapping, `</w>` word ends, then
 * `<|startoftext|> … <|endoftext|>` padded or cut to 77 with the model's pad token.
 */
export class ClipTokenizer {
  private readonly ranks: Map<string, number>
  private readonly cache = new Map<string, string[]>()
  readonly bosId: number
  readonly eosId: number
  readonly padId: number

  constructor(readonly vocab: Map<string, number>, merges: string[], padToken = '<|endoftext|>', readonly maxLength = CLIP_MAX_LENGTH) {
    this.ranks = new Map(merges.map((m, i) => [m, i]))
    const id = (t: string) => {
      const v = vocab.get(t)
      if (v === undefined) throw new Error(`CLIP vocab has no ${t} token`)
      return v
    }
    this.bosId = id('<|startoftext|>')
    this.eosId = id('<|endoftext|>')
    this.padId = id(padToken)
  }

  static async fromDir(dir: string): Promise<ClipTokenizer> {
    const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8')
    let vocabJson: string, mergesTxt: string
    try {
      ;[vocabJson, mergesTxt] = await Promise.all([read('vocab.json'), read('merges.txt')])
    } catch (err) {
      throw new Error(`tokenizer folder ${dir} needs vocab.json and merges.txt (${(err as Error).message})`)
    }
    const vocab = z.record(z.string(), z.number().int()).parse(JSON.parse(vocabJson))
    const merges = mergesTxt.split('\n').filter((l) => l.length > 0 && !l.startsWith('#version'))
    let pad = '<|endoftext|>'
    try {
      const cfg = tokenizerConfigSchema.parse(JSON.parse(await read('tokenizer_config.json')))
      if (cfg.pad_token) pad = typeof cfg.pad_token === 'string' ? cfg.pad_token : cfg.pad_token.content
    } catch {
      // no tokenizer_config.json: CLIP's default pad is <|endoftext|>
    }
    return new ClipTokenizer(new Map(Object.entries(vocab)), merges, pad)
  }

  private bpe(token: string): string[] {
    const hit = this.cache.get(token)
    if (hit) return hit
    const chars = [...token]
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + '</w>']
    while (word.length > 1) {
      let best = -1
      let bestRank = Infinity
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`)
        if (r !== undefined && r < bestRank) {
          bestRank = r
          best = i
        }
      }
      if (best < 0) break
      const [a, b] = [word[best]!, word[best + 1]!]
      const merged: string[] = []
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === a && word[i + 1] === b) {
          merged.push(a + b)
          i++
        } else merged.push(word[i]!)
      }
      word = merged
    }
    if (this.cache.size < 10_000) this.cache.set(token, word)
    return word
  }

  /** Token ids of the text without special tokens. */
  tokenize(text: string): number[] {
    const clean = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase()
    const ids: number[] = []
    for (const m of clean.matchAll(PATTERN)) {
      const mapped = [...Buffer.from(m[0], 'utf8')].map((b) => BYTE_ENCODER[b]!).join('')
      for (const piece of this.bpe(mapped)) {
        const id = this.vocab.get(piece)
        if (id !== undefined) ids.push(id)
      }
    }
    return ids
  }

  /** `<|startoftext|>` + up to 75 tokens + `<|endoftext|>`, padded to 77. */
  encode(text: string): Int32Array {
    const body = this.tokenize(text).slice(0, this.maxLength - 2)
    const out = new Int32Array(this.maxLength).fill(this.padId)
    out[0] = this.bosId
    out.set(body, 1)
    out[body.length + 1] = this.eosId
    return out
  }
}
