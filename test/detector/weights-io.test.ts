import {mkdtempSync, promises as fs, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {beforeAll, describe, expect, it} from '@jest/globals'

import {resolveBackend} from '../../src/runtime/tfjs-backend.js'
import {NprNet, nprStateDictShapes} from '../../src/detector/npr.js'
import {importPth, parsePth} from '../../src/detector/pth.js'
import {loadTfjsModel, readStateDict, saveTfjsModel} from '../../src/detector/tfjs-io.js'
import {ZipReader} from '../../src/detector/zip.js'
import {PARITY_PTH} from './fixtures.js'
import {P, writeZip} from './zip-writer.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-weights-'))

beforeAll(async () => {
  await resolveBackend('wasm')
})

const bytesOf = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)

/** Re-pack a zip with every entry DEFLATEd (torch writes STORED; other tools may not). */
function repackDeflated(src: Buffer): Buffer {
  const zip = new ZipReader(src)
  return writeZip([...zip.entries.keys()].map((n) => [n, zip.read(n)]), true)
}

/** A hand-written torch.save archive: {'w': a (2, 3) view with strides (1, 2) of storage [0..5]}, or any global. */
function tinyCheckpoint(global: [string, string] = ['torch._utils', '_rebuild_tensor_v2']): Buffer {
  const pkl = Buffer.concat([
    P.proto, P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce,
    P.mark, P.str('w'), P.global(...global),
    P.mark,
    P.mark, P.str('storage'), P.global('torch', 'FloatStorage'), P.str('0'), P.str('cpu'), P.int(6), P.tuple, P.persid,
    P.int(0), P.mark, P.int(2), P.int(3), P.tuple, P.mark, P.int(1), P.int(2), P.tuple, P.false,
    P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce,
    P.tuple, P.reduce,
    P.setitems, P.stop,
  ])
  const storage = Buffer.from(Float32Array.of(0, 1, 2, 3, 4, 5).buffer)
  return writeZip([['archive/data.pkl', pkl], ['archive/data/0', storage], ['archive/version', Buffer.from('3\n')]], false)
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

  it('materialises strided views and refuses objects outside the state_dict subset', () => {
    const sd = parsePth(tinyCheckpoint())
    expect(sd.get('w')!.shape).toEqual([2, 3])
    expect(Array.from(sd.get('w')!.data)).toEqual([0, 2, 4, 1, 3, 5])
    expect(() => parsePth(tinyCheckpoint(['os', 'system']))).toThrow('unsupported object in checkpoint: os.system')
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
