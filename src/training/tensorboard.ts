/**
 * TensorBoard event files, written without TensorFlow.
 *
 * A file is a TFRecord stream: each record is
 *   u64 LE length · u32 LE masked-CRC32C(length bytes) · data · u32 LE masked-CRC32C(data)
 * and each record's data is a serialized `tensorflow.Event` protobuf:
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
 * The first record carries file_version "brain.Event:2". Files are named
 * `events.out.tfevents.<unix seconds>.<host>` so TensorBoard finds them in a log folder.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// ---- CRC32C (Castagnoli, reflected polynomial 0x82F63B78) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** TFRecord's mask: rotate right by 15 and add a constant, so CRCs of CRCs do not look like CRCs. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data)
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0
}

// ---- protobuf encoding (the handful of wire types the Event proto needs) ----

function varint(value: bigint | number): number[] {
  let v = BigInt(value)
  if (v < 0n) v += 1n << 64n // int64 negatives are 10-byte two's complement
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

const key = (field: number, wireType: number): number[] => varint((field << 3) | wireType)

function lengthDelimited(field: number, bytes: Uint8Array): number[] {
  return [...key(field, 2), ...varint(bytes.length), ...bytes]
}

function encodeValue(tag: string, value: number): Uint8Array {
  const f = Buffer.alloc(4)
  f.writeFloatLE(value)
  return Uint8Array.from([...lengthDelimited(1, Buffer.from(tag, 'utf8')), ...key(2, 5), ...f])
}

export interface EventRecord {
  wallTime: number
  step: number
  fileVersion?: string
  scalars?: Record<string, number>
}

export function encodeEvent(e: EventRecord): Uint8Array {
  const wall = Buffer.alloc(8)
  wall.writeDoubleLE(e.wallTime)
  const bytes: number[] = [...key(1, 1), ...wall]
  if (e.step !== 0) bytes.push(...key(2, 0), ...varint(e.step))
  if (e.fileVersion !== undefined) bytes.push(...lengthDelimited(3, Buffer.from(e.fileVersion, 'utf8')))
  if (e.scalars) {
    const summary: number[] = []
    for (const [tag, value] of Object.entries(e.scalars)) summary.push(...lengthDelimited(1, encodeValue(tag, value)))
    bytes.push(...lengthDelimited(5, Uint8Array.from(summary)))
  }
  return Uint8Array.from(bytes)
}

export function frameRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12)
  header.writeBigUInt64LE(BigInt(data.length), 0)
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8)
  const footer = Buffer.alloc(4)
  footer.writeUInt32LE(maskedCrc32c(data))
  return Buffer.concat([header, data, footer])
}

/** Appends scalar summaries to one event file; every write is flushed (a crash loses nothing written). */
export class EventWriter {
  readonly file: string
  private readonly fd: number

  constructor(logDir: string, opts: {wallTime?: number; host?: string} = {}) {
    fs.mkdirSync(logDir, {recursive: true})
    const wallTime = opts.wallTime ?? Date.now() / 1000
    const host = (opts.host ?? os.hostname()).replace(/[^A-Za-z0-9._-]/g, '_')
    this.file = path.join(logDir, `events.out.tfevents.${Math.floor(wallTime)}.${host}`)
    this.fd = fs.openSync(this.file, 'a')
    this.write({wallTime, step: 0, fileVersion: 'brain.Event:2'})
  }

  private write(e: EventRecord): void {
    fs.writeSync(this.fd, frameRecord(encodeEvent(e)))
  }

  scalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    this.write({wallTime, step, scalars: {[tag]: value}})
  }

  scalars(values: Record<string, number>, step: number, wallTime = Date.now() / 1000): void {
    this.write({wallTime, step, scalars: values})
  }

  close(): void {
    fs.closeSync(this.fd)
  }
}

// ---- reading back (tests, and `bitmind` tools that summarise a run) ----

export interface DecodedEvent {
  wallTime: number
  step: number
  fileVersion?: string
  scalars: Record<string, number>
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n, shift = 0n
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint')
    const b = buf[pos++]!
    result |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [result, pos]
    shift += 7n
  }
}

/** Walk protobuf fields, calling `onField(field, wireType, value)` with bytes for length-delimited/fixed fields. */
function walkFields(buf: Uint8Array, onField: (field: number, wireType: number, value: bigint | Uint8Array) => void): void {
  let pos = 0
  while (pos < buf.length) {
    const [k, p1] = readVarint(buf, pos)
    const field = Number(k >> 3n), wt = Number(k & 7n)
    pos = p1
    if (wt === 0) {
      const [v, p2] = readVarint(buf, pos)
      onField(field, wt, v)
      pos = p2
    } else if (wt === 1 || wt === 5) {
      const n = wt === 1 ? 8 : 4
      if (pos + n > buf.length) throw new Error('truncated fixed field')
      onField(field, wt, buf.subarray(pos, pos + n))
      pos += n
    } else if (wt === 2) {
      const [len, p2] = readVarint(buf, pos)
      const end = p2 + Number(len)
      if (end > buf.length) throw new Error('truncated length-delimited field')
      onField(field, wt, buf.subarray(p2, end))
      pos = end
    } else {
      throw new Error(`unsupported wire type ${wt}`)
    }
  }
}

export function decodeEvent(data: Uint8Array): DecodedEvent {
  const e: DecodedEvent = {wallTime: 0, step: 0, scalars: {}}
  walkFields(data, (field, wt, v) => {
    if (field === 1 && wt === 1) e.wallTime = Buffer.from(v as Uint8Array).readDoubleLE(0)
    else if (field === 2 && wt === 0) e.step = Number(BigInt.asIntN(64, v as bigint))
    else if (field === 3 && wt === 2) e.fileVersion = Buffer.from(v as Uint8Array).toString('utf8')
    else if (field === 5 && wt === 2) {
      walkFields(v as Uint8Array, (sf, swt, sv) => {
        if (sf !== 1 || swt !== 2) return
        let tag = '', value = Number.NaN
        walkFields(sv as Uint8Array, (vf, vwt, vv) => {
          if (vf === 1 && vwt === 2) tag = Buffer.from(vv as Uint8Array).toString('utf8')
          else if (vf === 2 && vwt === 5) value = Buffer.from(vv as Uint8Array).readFloatLE(0)
        })
        e.scalars[tag] = value
      })
    }
  })
  return e
}

/** Split a TFRecord stream into records, checking both CRCs of every record. */
export function readRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new Error(`truncated record header at byte ${pos}`)
    const len = Number(buf.readBigUInt64LE(pos))
    if (buf.readUInt32LE(pos + 8) !== maskedCrc32c(buf.subarray(pos, pos + 8))) throw new Error(`bad length CRC at byte ${pos}`)
    const start = pos + 12, end = start + len
    if (end + 4 > buf.length) throw new Error(`truncated record at byte ${pos}`)
    const data = buf.subarray(start, end)
    if (buf.readUInt32LE(end) !== maskedCrc32c(data)) throw new Error(`bad data CRC at byte ${pos}`)
    out.push(data)
    pos = end + 4
  }
  return out
}

export function readEventFile(file: string): DecodedEvent[] {
  return readRecords(fs.readFileSync(file)).map(decodeEvent)
}
