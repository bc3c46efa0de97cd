import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'

import {
  crc32c, encodeEvent, EventWriter, frameRecord, maskedCrc32c, readEventFile, readRecords,
} from '../../src/training/tensorboard.js'

describe('TensorBoard event files', () => {
  it('CRC32C matches the Castagnoli check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa) // RFC 3720 B.4: 32 bytes of zeros
  })

  it('encodes an Event byte for byte', () => {
    const bytes = Buffer.from(encodeEvent({wallTime: 1, step: 3, scalars: {a: 0.5}}))
    // wall_time: field 1 fixed64 (0x09) 1.0; step: field 2 varint (0x10) 3;
    // summary: field 5 bytes (0x2a) len 10 { value: 0x0a len 8 { tag 0x0a 01 'a', simple_value 0x15 0.5f } }
    expect(bytes.toString('hex')).toBe('09000000000000f03f' + '1003' + '2a0a' + '0a08' + '0a0161' + '150000003f')
  })

  it('frames records as TFRecord: length, masked CRC of length, data, masked CRC of data', () => {
    const data = Buffer.from('hello')
    const rec = frameRecord(data)
    expect(rec.length).toBe(8 + 4 + 5 + 4)
    expect(rec.readBigUInt64LE(0)).toBe(5n)
    const c = crc32c(rec.subarray(0, 8))
    expect(rec.readUInt32LE(8)).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0)
    expect(rec.readUInt32LE(17)).toBe(maskedCrc32c(data))
    expect(readRecords(rec)[0]!.toString()).toBe('hello')
    const bad = Buffer.from(rec)
    bad[13] ^= 1
    expect(() => readRecords(bad)).toThrow(/data CRC/)
    const badLen = Buffer.from(rec)
    badLen[9] ^= 1
    expect(() => readRecords(badLen)).toThrow(/length CRC/)
  })

  it('writes a file TensorBoard reads: version record first, then scalars, every CRC checked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitmind-tb-'))
    const w = new EventWriter(dir, {wallTime: 1_700_000_000.25, host: 'test host'})
    w.scalar('train/loss', 0.693, 1, 1_700_000_001)
    w.scalars({'val/accuracy': 0.75, 'val/ap': 0.8125}, 2, 1_700_000_002)
    w.scalar('lr', 1e-4, 2 ** 40, 1_700_000_003)
    w.close()
    expect(path.basename(w.file)).toBe('events.out.tfevents.1700000000.test_host')
    const events = readEventFile(w.file)
    expect(events).toHaveLength(4)
    expect(events[0]).toEqual({wallTime: 1_700_000_000.25, step: 0, fileVersion: 'brain.Event:2', scalars: {}})
    expect(events[1]!.step).toBe(1)
    expect(events[1]!.scalars['train/loss']).toBeCloseTo(0.693, 6)
    expect(events[2]!.scalars).toEqual({'val/accuracy': 0.75, 'val/ap': 0.8125})
    expect(events[3]!.step).toBe(2 ** 40)
    expect(events[3]!.wallTime).toBe(1_700_000_003)
    expect(events[3]!.scalars.lr).toBeCloseTo(1e-4, 10)
  })
})
