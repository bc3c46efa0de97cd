import {mkdtempSync, promises as fs, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

import {beforeAll, describe, expect, it} from '@jest/globals'

import {resolveBackend} from '../../src/detector/backend.js'
import {NprNet, nprStateDictShapes} from '../../src/detector/npr.js'
import {importPth, parsePth} from '../../src/detector/pth.js'
import {loadTfjsModel, readStateDict, saveTfjsModel} from '../../src/detector/tfjs-io.js'
import {ZipReader} from '../../src/detector/zip.js'
import {PARITY_PTH} from './fixtures.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-weights-'))

beforeAll(async () => {
  await resolveBackend('wasm')
})

const bytesOf = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)

/** Re-pack a zip with every entry DEFLATEd (torch writes STORED; other tools may not). */
function repackDeflated(src: Buffer): Buffer {
  const zip = new ZipReader(src)
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const name of zip.entries.keys()) {
    const data = zip.read(name)
    const comp = zlib.deflateRawSync(data)
    const nameBuf = Buffer.from(name)
    const crc = zlib.crc32(data)
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(8, 8)
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(nameBuf.length, 26)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(8, 10)
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(nameBuf.length, 28)
    ch.writeUInt32LE(offset, 42)
    locals.push(lh, nameBuf, comp)
    central.push(ch, nameBuf)
    offset += 30 + nameBuf.length + comp.length
  }
  const cd = Buffer.concat(central)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(zip.entries.size, 8); eocd.writeUInt16LE(zip.entries.size, 10)
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, eocd])
}

describe('.pth import', () => {
  it('reads the PyTorch state_dict: every key, shape and value in order', async () => {
    const sd = await importPth(PARITY_PTH)
    expect([...sd.keys()]).toEqual(nprStateDictShapes().map(([k]) => k))
    for (const [k, shape] of nprStateDictShapes()) expect(sd.get(k)!.shape).toEqual(shape)
    const w = sd.get('conv1.weight')!.data
    expect(w.length).toBe(64 * 27)
    expect(w.some((v) => v !== 0)).toBe(true)
    // the storage bytes of conv1.weight are the first tensor's, little-endian float32
    const zip = new ZipReader(readFileSync(PARITY_PTH))
    const key = [...zip.entries.keys()].find((n) => n.endsWith('/data/0'))!
    const raw = zip.read(key)
    expect(w[5]).toBe(raw.readFloatLE(20))
    // LongStorage (num_batches_tracked) read as a number
    expect(Number.isInteger(sd.get('bn1.num_batches_tracked')!.data[0])).toBe(true)
  })

  it('reads DEFLATEd archives the same', () => {
    const a = parsePth(readFileSync(PARITY_PTH))
    const b = parsePth(repackDeflated(readFileSync(PARITY_PTH)))
    expect([...b.keys()]).toEqual([...a.keys()])
    expect(bytesOf(b.get('layer2.3.conv3.weight')!.data).equals(bytesOf(a.get('layer2.3.conv3.weight')!.data))).toBe(true)
  })

  it('names the file and the problem for non-checkpoints', async () => {
    const txt = path.join(tmp, 'notes.pth')
    await fs.writeFile(txt, 'hello')
    await expect(importPth(txt)).rejects.toThrow(`${txt}: not a zip archive`)
  })
})

describe('our tfjs format', () => {
  it('saves model.json + weights.bin and loads the same network back', async () => {
    const net = new NprNet({seed: 21})
    const dir = path.join(tmp, 'model')
    await saveTfjsModel(net, dir, {inputSize: 224})
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin'])
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'))
    expect(json.weightsManifest[0].weights).toHaveLength(146)
    expect((await fs.stat(path.join(dir, 'weights.bin'))).size).toBe(4 * nprStateDictShapes().reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0))
    const back = await loadTfjsModel(dir)
    const a = net.stateDict(), b = back.stateDict()
    const same = [...a].filter(([k, v]) => bytesOf(b.get(k)!.data).equals(bytesOf(v.data))).length
    expect(same).toBe(146)
    expect((await readStateDict(dir)).inputSize).toBe(224)
    net.dispose()
    back.dispose()

    await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(8))
    await expect(loadTfjsModel(dir)).rejects.toThrow(/weights file has 8 bytes/)
    await fs.writeFile(path.join(dir, 'model.json'), '{"format": "other"}')
    await expect(loadTfjsModel(dir)).rejects.toThrow(/not a bitmind tfjs model.json/)
  })
})
