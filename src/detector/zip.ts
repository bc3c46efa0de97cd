/** A minimal zip reader (central directory; STORED and DEFLATE entries) — enough for torch.save archives. */
import zlib from 'node:zlib'

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localOffset: number
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>()

  constructor(private readonly buf: Buffer) {
    const eocd = this.findEocd()
    let count = buf.readUInt16LE(eocd + 10)
    let cdOffset = buf.readUInt32LE(eocd + 16)
    if (cdOffset === 0xffffffff || count === 0xffff) {
      // zip64: the locator sits just before the EOCD and points at the zip64 EOCD record
      const loc = eocd - 20
      if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new Error('zip64 archive without a zip64 locator')
      const rec = Number(buf.readBigUInt64LE(loc + 8))
      count = Number(buf.readBigUInt64LE(rec + 32))
      cdOffset = Number(buf.readBigUInt64LE(rec + 48))
    }
    let p = cdOffset
    for (let i = 0; i < count; i++) {
      if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory')
      const method = buf.readUInt16LE(p + 10)
      let compressedSize = buf.readUInt32LE(p + 20)
      let size = buf.readUInt32LE(p + 24)
      const nameLen = buf.readUInt16LE(p + 28)
      const extraLen = buf.readUInt16LE(p + 30)
      const commentLen = buf.readUInt16LE(p + 32)
      let localOffset = buf.readUInt32LE(p + 42)
      const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
      // zip64 extended information extra field (id 1): only the fields whose 32-bit slot is 0xffffffff, in order
      let e = p + 46 + nameLen
      const end = e + extraLen
      while (e + 4 <= end) {
        const id = buf.readUInt16LE(e), len = buf.readUInt16LE(e + 2)
        if (id === 1) {
          let q = e + 4
          if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8 }
          if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8 }
          if (localOffset === 0xffffffff) localOffset = Number(buf.readBigUInt64LE(q))
        }
        e += 4 + len
      }
      this.entries.set(name, {name, method, compressedSize, size, localOffset})
      p = end + commentLen
    }
  }

  private findEocd(): number {
    const min = Math.max(0, this.buf.length - 22 - 0xffff)
    for (let i = this.buf.length - 22; i >= min; i--) if (this.buf.readUInt32LE(i) === 0x06054b50) return i
    throw new Error('not a zip archive (no end of central directory)')
  }

  read(name: string): Buffer {
    const ent = this.entries.get(name)
    if (!ent) throw new Error(`zip entry not found: ${name}`)
    const p = ent.localOffset
    if (this.buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`corrupt zip local header for ${name}`)
    const start = p + 30 + this.buf.readUInt16LE(p + 26) + this.buf.readUInt16LE(p + 28)
    const raw = this.buf.subarray(start, start + ent.compressedSize)
    if (ent.method === 0) return raw
    if (ent.method === 8) return zlib.inflateRawSync(raw)
    throw new Error(`unsupported zip compression method ${ent.method} for ${name}`)
  }
}
