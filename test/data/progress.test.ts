import {PassThrough} from 'node:stream'

import {describe, expect, it} from '@jest/globals'

import {bar, formatBytes, parseByteSize, ProgressPrinter, progressLine} from '../../src/data/progress.js'

describe('download progress', () => {
  it('parses --max-bytes sizes', () => {
    expect(parseByteSize('1234')).toBe(1234)
    expect(parseByteSize('500MB')).toBe(500 * 1024 ** 2)
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3)
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * 1024 ** 3)
    expect(() => parseByteSize('lots')).toThrow(/cannot read "lots" as a size/)
  })

  it('draws a file bar and an overall bar', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(3 * 1024 ** 2)).toBe('3.00 MB')
    expect(bar(0.5, 10)).toBe('[#####.....]  50%')
    const line = progressLine({label: '[1/2 a/b]', file: 'file 1/3 x.parquet', fileDone: 512, fileTotal: 1024, allDone: 512, allTotal: 4096})
    expect(line).toBe('[1/2 a/b] file 1/3 x.parquet [##########..........]  50% 512 B/1.00 KB | overall [#.........]  12% 512 B/4.00 KB')
  })

  it('prints whole lines when stderr is not a terminal, throttled', () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (d) => (text += d))
    const p = new ProgressPrinter(out, 60_000)
    const s = {label: 'L', file: 'f', fileDone: 1, fileTotal: 2, allDone: 1, allTotal: 2}
    p.update(s)
    p.update(s)
    p.update({...s, fileDone: 2}, true)
    expect(text.trim().split('\n')).toHaveLength(2)
    expect(text).not.toContain('\r')
  })
})
