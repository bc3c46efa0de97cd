import {describe, expect, it} from '@jest/globals'

import {formatBytes, parseByteSize} from '../../src/data/progress.js'

describe('download sizes', () => {
  it('parses --max-bytes sizes', () => {
    expect(parseByteSize('1234')).toBe(1234)
    expect(parseByteSize('500MB')).toBe(500 * 1024 ** 2)
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3)
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * 1024 ** 3)
    expect(() => parseByteSize('lots')).toThrow(/cannot read "lots" as a size/)
  })

  it('writes byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(3 * 1024 ** 2)).toBe('3.00 MB')
    expect(formatBytes(1536 * 1024 ** 3)).toBe('1.50 TB')
  })
})
