import {describe, expect, it} from '@jest/globals'

import {ClipTokenizer} from '../../src/generation/clip-tokenizer.js'

// A hand-made CLIP-style vocabulary: merges turn "cat</w>" and "photo</w>" into single tokens, "dog" stays split.
const vocab = new Map<string, number>([
  ['!', 0], ['a</w>', 1], ['c', 2], ['a', 3], ['t</w>', 4], ['ca', 5], ['cat</w>', 6], ['p', 7], ['h', 8], ['o', 9],
  ['t', 10], ['o</w>', 11], ['ph', 12], ['pho', 13], ['phot', 14], ['photo</w>', 15], ['d', 16], ['g</w>', 17],
  [',</w>', 18], ['<|startoftext|>', 49406], ['<|endoftext|>', 49407],
])
const merges = ['c a', 'ca t</w>', 'p h', 'ph o', 'pho t', 'phot o</w>']

describe('ClipTokenizer', () => {
  it('applies merges by rank with </w> word ends, lower-cases and collapses whitespace', () => {
    const tok = new ClipTokenizer(vocab, merges)
    expect(tok.tokenize('A  CAT  photo')).toEqual([1, 6, 15])
    expect(tok.tokenize('dog,')).toEqual([16, 9, 17, 18])
  })

  it('wraps in start/end tokens and pads to 77 with the pad token', () => {
    const sd1 = new ClipTokenizer(vocab, merges)
    const ids = sd1.encode('a cat')
    expect(ids.length).toBe(77)
    expect(Array.from(ids.slice(0, 5))).toEqual([49406, 1, 6, 49407, 49407])
    const sdxl2 = new ClipTokenizer(vocab, merges, '!')
    expect(Array.from(sdxl2.encode('a cat').slice(0, 5))).toEqual([49406, 1, 6, 49407, 0])
  })

  it('truncates long prompts to 75 tokens plus the specials', () => {
    const ids = new ClipTokenizer(vocab, merges).encode(Array(200).fill('cat').join(' '))
    expect(ids[0]).toBe(49406)
    expect(ids[76]).toBe(49407)
    expect(Array.from(ids.slice(1, 76)).every((v) => v === 6)).toBe(true)
  })
})
