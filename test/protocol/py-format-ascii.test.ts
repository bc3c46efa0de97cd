import {describe, expect, it} from '@jest/globals'

import {pyJsonDumps} from '../../src/protocol/py-format.js'

describe('pyJsonDumps strings', () => {
  it('spells printable ASCII as Python json.dumps does (the fast path), and non-ASCII with \\u escapes', () => {
    // python3 -c 'import json; print(json.dumps(...))'
    expect(pyJsonDumps('a"b\\c/d e~')).toBe('"a\\"b\\\\c/d e~"')
    expect(pyJsonDumps('iVBORw0KGgo+/=')).toBe('"iVBORw0KGgo+/="')
    expect(pyJsonDumps('tab\there')).toBe('"tab\\there"')
    expect(pyJsonDumps('é\u007f')).toBe('"\\u00e9\\u007f"')
    expect(pyJsonDumps({image: 'QUJD', prediction: 0.5})).toBe('{"image": "QUJD", "prediction": 0.5}')
  })
})
