import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import onnxPkg from 'onnx-proto'

import {createRng} from '../../src/config/random.js'
import {CaptionPromptSource, MagicPromptSource, openPromptSource, STARTERS} from '../../src/generation/prompts.js'

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

const GPT2_CONFIG = {model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: TOKENS.length, n_layer: 1, n_head: 1, n_embd: 4,
  n_positions: 256, bos_token_id: 0, eos_token_id: 0}

async function writeTinyGpt2(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'onnx'), {recursive: true})
  await fs.writeFile(path.join(dir, 'onnx', 'model.onnx'), tinyGpt2())
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(GPT2_CONFIG))
  await writeGpt2Tokenizer(dir)
}

async function writeGpt2Tokenizer(dir: string): Promise<void> {
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

// A ViT-encoder/GPT-2-decoder captioner: the encoder keeps the mean of each colour channel; the decoder is a bigram
// table plus a bias from those means, so a red picture starts "red", a blue one "navy", and the bigrams spell on.
const NEXT: Record<string, string> = {r: 'e', e: 'd', d: ',', n: 'a', a: 'v', v: 'y', y: ',', ',': 'Ġ'}

function vi(name: string, type: number, dims: Array<number | string>) {
  return onnx.ValueInfoProto.create({name, type: {tensorType: {elemType: type, shape: {dim: dims.map((d) => (typeof d === 'number' ? {dimValue: d} : {dimParam: d}))}}}})
}
const ints = (name: string, values: number[]) => onnx.TensorProto.create({name, dataType: DT.INT64, dims: [values.length], int64Data: values})
const floats = (name: string, dims: number[], data: Float32Array) => onnx.TensorProto.create({name, dataType: DT.FLOAT, dims, rawData: Buffer.from(data.buffer)})
const encode = (graph: ReturnType<typeof onnx.GraphProto.create>) =>
  Buffer.from(onnx.ModelProto.encode(onnx.ModelProto.create({irVersion: 8, opsetImport: [{domain: '', version: 18}], graph})).finish())

async function writeTinyCaptioner(dir: string): Promise<void> {
  const v = TOKENS.length
  await fs.mkdir(path.join(dir, 'onnx'), {recursive: true})
  const encoder = onnx.GraphProto.create({
    name: 'enc',
    node: [
      onnx.NodeProto.create({opType: 'ReduceMean', input: ['pixel_values', 'axes'], output: ['m'], attribute: [{name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1}]}),
      onnx.NodeProto.create({opType: 'Reshape', input: ['m', 'shape'], output: ['last_hidden_state']}),
    ],
    initializer: [ints('axes', [2, 3]), ints('shape', [-1, 1, 3])],
    input: [vi('pixel_values', DT.FLOAT, ['batch_size', 3, 'height', 'width'])],
    output: [vi('last_hidden_state', DT.FLOAT, ['batch_size', 1, 3])],
  })
  const w = new Float32Array(v * v)
  for (const [from, to] of Object.entries(NEXT)) w[id(from) * v + id(to)] = 5
  const p = new Float32Array(3 * v)
  p[0 * v + id('r')] = 3
  p[2 * v + id('n')] = 3
  const decoder = onnx.GraphProto.create({
    name: 'dec',
    node: [
      onnx.NodeProto.create({opType: 'Gather', input: ['W', 'input_ids'], output: ['bigram'], attribute: [{name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0}]}),
      onnx.NodeProto.create({opType: 'MatMul', input: ['encoder_hidden_states', 'P'], output: ['bias']}),
      onnx.NodeProto.create({opType: 'Add', input: ['bigram', 'bias'], output: ['logits']}),
    ],
    initializer: [floats('W', [v, v], w), floats('P', [3, v], p)],
    input: [vi('input_ids', DT.INT64, ['batch_size', 'decoder_sequence_length']), vi('encoder_hidden_states', DT.FLOAT, ['batch_size', 1, 3])],
    output: [vi('logits', DT.FLOAT, ['batch_size', 'decoder_sequence_length', v])],
  })
  await fs.writeFile(path.join(dir, 'onnx', 'encoder_model.onnx'), encode(encoder))
  await fs.writeFile(path.join(dir, 'onnx', 'decoder_model_merged.onnx'), encode(decoder))
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({model_type: 'vision-encoder-decoder', architectures: ['VisionEncoderDecoderModel'],
    decoder_start_token_id: 0, eos_token_id: 0, pad_token_id: 0, is_encoder_decoder: true,
    encoder: {model_type: 'vit', hidden_size: 3, image_size: 8, num_channels: 3}, decoder: {...GPT2_CONFIG, is_decoder: true, add_cross_attention: true}}))
  await fs.writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify({image_processor_type: 'ViTImageProcessor', feature_extractor_type: 'ViTFeatureExtractor',
    do_resize: true, size: {height: 8, width: 8}, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: false}))
  await writeGpt2Tokenizer(dir)
}

const solid = (rgb: [number, number, number]) => {
  const data = new Uint8Array(16 * 16 * 3)
  for (let i = 0; i < 16 * 16; i++) data.set(rgb, i * 3)
  return {data, width: 16, height: 16}
}

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bitmind-prompts-'))
  await writeTinyGpt2(path.join(root, 'tiny-magicprompt'))
  await writeTinyCaptioner(path.join(root, 'tiny-captioner'))
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

describe('caption prompt source on a tiny vision-encoder-decoder (transformers.js image-to-text, local files only)', () => {
  it('describes a real image, and the image decides the caption', async () => {
    const src = await openPromptSource(path.join(root, 'tiny-captioner'))
    expect(src).toBeInstanceOf(CaptionPromptSource)
    try {
      const red = await src.next(createRng(1), solid([255, 0, 0]))
      const blue = await src.next(createRng(1), solid([0, 0, 255]))
      expect(red).toMatch(/^red, red/)
      expect(blue).toMatch(/^navy, navy/)
      expect(red).toMatch(/shot on /)
      await expect(src.next(createRng(1))).rejects.toThrow(/needs a real image/)
    } finally {
      await src.dispose?.()
    }
  })
})
