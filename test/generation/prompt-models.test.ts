import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import onnxPkg from 'onnx-proto'

import {createRng} from '../../src/config/random.js'
import {MagicPromptSource, openPromptSource, STARTERS} from '../../src/generation/prompts.js'

const {onnx} = onnxPkg
const DT = onnx.TensorProto.DataType

// GPT-2 byte-level vocabulary over printable ASCII: bytes 33..126 are themselves, the space is 'Ġ'.
const TOKENS = ['<|endoftext|>', ...Array.from({length: 94}, (_, i) => String.fromCharCode(33 + i)), 'Ġ']
const id = (t: string) => TOKENS.indexOf(t)
// Greedy decoding walks a cycle spelling " glowy," forever; every other token leads into it.
const CYCLE = ['Ġ', 'g', 'l', 'o', 'w', 'y', ',']

function tinyGpt2(): Buffer {
  const v = TOKENS.length
  const w = new Float32Array(v * v)
  for (let t = 0; t < v; t++) {
    const at = CYCLE.indexOf(TOKENS[t]!)
    const next = at >= 0 ? CYCLE[(at + 1) % CYCLE.length]! : 'Ġ'
    for (let u = 0; u < v; u++) w[t * v + u] = Math.sin(t * 31 + u) * 0.1
    w[t * v + id(next)] = 5
  }
  const vi = (name: string, type: number, dims: Array<number | string>) => onnx.ValueInfoProto.create({name, type: {tensorType: {elemType: type,
    shape: {dim: dims.map((d) => (typeof d === 'number' ? {dimValue: d} : {dimParam: d}))}}}})
  const model = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{domain: '', version: 18}], producerName: 'bitmind-tests',
    graph: onnx.GraphProto.create({
      name: 'tiny-gpt2',
      // A bigram "language model": logits[b, s] = W[input_ids[b, s]] (no attention, no KV cache).
      node: [onnx.NodeProto.create({opType: 'Gather', input: ['W', 'input_ids'], output: ['logits'], attribute: [{name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0}]})],
      initializer: [onnx.TensorProto.create({name: 'W', dataType: DT.FLOAT, dims: [v, v], rawData: Buffer.from(w.buffer)})],
      input: [vi('input_ids', DT.INT64, ['batch_size', 'sequence_length']), vi('attention_mask', DT.INT64, ['batch_size', 'sequence_length'])],
      output: [vi('logits', DT.FLOAT, ['batch_size', 'sequence_length', v])],
    }),
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}

async function writeTinyGpt2(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'onnx'), {recursive: true})
  await fs.writeFile(path.join(dir, 'onnx', 'model.onnx'), tinyGpt2())
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: TOKENS.length,
    n_layer: 1, n_head: 1, n_embd: 4, n_positions: 256, bos_token_id: 0, eos_token_id: 0}))
  await fs.writeFile(path.join(dir, 'generation_config.json'), JSON.stringify({bos_token_id: 0, eos_token_id: 0}))
  await fs.writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify({tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', model_max_length: 256, add_prefix_space: false}))
  await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true}],
    normalizer: null,
    pre_tokenizer: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    post_processor: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true},
    decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true},
    model: {type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      byte_fallback: false, vocab: Object.fromEntries(TOKENS.map((t, i) => [t, i])), merges: []},
  }))
}

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-prompts-'))
  await writeTinyGpt2(path.join(root, 'tiny-magicprompt'))
})
afterAll(async () => {
  await fs.rm(root, {recursive: true, force: true})
})

describe('MagicPrompt source on a tiny GPT-2-shaped model (transformers.js, local files only)', () => {
  it('continues a starter with the model, then adds tags; greedy, so a seed repeats it', async () => {
    const src = await MagicPromptSource.load(path.join(root, 'tiny-magicprompt'), {maxNewTokens: 14})
    try {
      const a = await src.next(createRng(3))
      const starter = STARTERS.find((s) => a.startsWith(s))
      expect(starter).toBeDefined()
      // the model's continuation: " glowy, glowy" (greedy over the bigram table), then quality tags + camera
      expect(a.slice(starter!.length)).toMatch(/^ glowy, glowy/)
      expect(a).toMatch(/shot on /)
      expect(await src.next(createRng(3))).toBe(a)
    } finally {
      await src.dispose()
    }
  })

  it('never reaches for the network: a folder without the model fails locally', async () => {
    await fs.mkdir(path.join(root, 'empty'), {recursive: true})
    await fs.writeFile(path.join(root, 'empty', 'config.json'), JSON.stringify({model_type: 'gpt2', architectures: ['GPT2LMHeadModel']}))
    const err = await openPromptSource(path.join(root, 'empty')).then(() => undefined, (e: Error) => e)
    expect(err?.message).toMatch(/not found locally at .*empty\/onnx\/model\.onnx/)
  })
})
