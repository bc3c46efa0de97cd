import zlib from 'node:zlib'

/** A plain zip writer for tests (STORED or DEFLATE entries, no zip64). */
export function writeZip(entries: Array<[string, Buffer]>, deflate: boolean): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const [name, data] of entries) {
    const comp = deflate ? zlib.deflateRawSync(data) : data
    const method = deflate ? 8 : 0
    const nameBuf = Buffer.from(name)
    const crc = zlib.crc32(data)
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(method, 8)
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(nameBuf.length, 26)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(method, 10)
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(nameBuf.length, 28)
    ch.writeUInt32LE(offset, 42)
    locals.push(lh, nameBuf, comp)
    central.push(ch, nameBuf)
    offset += 30 + nameBuf.length + comp.length
  }
  const cd = Buffer.concat(central)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(entries.length, 8); eocd.writeUInt16LE(entries.length, 10)
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, eocd])
}

/** Pickle protocol-2 building blocks, enough to hand-write a torch state_dict. */
export const P = {
  proto: Buffer.from([0x80, 2]),
  global: (mod: string, name: string) => Buffer.from(`c${mod}\n${name}\n`, 'latin1'),
  str: (s: string) => {
    const b = Buffer.from(s)
    const len = Buffer.alloc(4)
    len.writeUInt32LE(b.length)
    return Buffer.concat([Buffer.from('X'), len, b])
  },
  int: (n: number) => Buffer.from([0x4b, n]),
  mark: Buffer.from('('),
  tuple: Buffer.from('t'),
  emptyTuple: Buffer.from(')'),
  reduce: Buffer.from('R'),
  persid: Buffer.from('Q'),
  setitems: Buffer.from('u'),
  false: Buffer.from([0x89]),
  stop: Buffer.from('.'),
}
