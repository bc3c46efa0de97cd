import {mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'
import onnxPkg from 'onnx-proto'

import {decodeImage, type RgbImage} from '../../src/image/index.js'
import {loadDetector} from '../../src/detector/load.js'
import {buildNprOnnx, exportNprOnnx} from '../../src/detector/onnx-export.js'
import {OnnxDetector} from '../../src/detector/onnx-detector.js'
import {META, parseDetectorMetadata, readOnnxMetadataProps} from '../../src/detector/onnx-meta.js'
import {importPth} from '../../src/detector/pth.js'
import {PARITY_DIR, PARITY_PTH, type ParityCase} from './fixtures.js'

const {onnx} = onnxPkg
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bitmind-onnx-'))
const cases = (JSON.parse(readFileSync(path.join(PARITY_DIR, 'expected.json'), 'utf8')) as {cases: ParityCase[]}).cases

/** z = mean(input) over everything but the batch, then either sigmoid(z) or z itself. */
function meanModel(layout: 'NCHW' | 'NHWC', size: number, metadata: Record<string, string>, sigmoid: boolean): Buffer {
  const dims = layout === 'NCHW' ? ['N', 3, size, size] : ['N', size, size, 3]
  const vi = (name: string, d: Array<number | string>) => onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({tensorType: onnx.TypeProto.Tensor.create({
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: onnx.TensorShapeProto.create({dim: d.map((x) => (typeof x === 'number' ? {dimValue: x} : {dimParam: x}))}),
    })}),
  })
  const nodes = [onnx.NodeProto.create({
    opType: 'ReduceMean', input: ['x'], output: [sigmoid ? 'z' : 'out'],
    attribute: [{name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2, 3]}, {name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0}],
  })]
  if (sigmoid) nodes.push(onnx.NodeProto.create({opType: 'Sigmoid', input: ['z'], output: ['out']}))
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{domain: '', version: 13}],
    graph: onnx.GraphProto.create({name: 'mean', node: nodes, input: [vi('x', dims)], output: [vi('out', ['N'])]}),
    metadataProps: Object.entries(metadata).map(([key, value]) => ({key, value})),
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}

function solid(v: number, w: number, h: number): RgbImage {
  return {data: new Uint8Array(w * h * 3).fill(v), width: w, height: h}
}

describe('NPR → ONNX', () => {
  it('exports with metadata, and ONNX Runtime reproduces PyTorch to 1e-4', async () => {
    const sd = await importPth(PARITY_PTH)
    const bytes = buildNprOnnx(sd, {inputSize: 224})
    const meta = parseDetectorMetadata(readOnnxMetadataProps(bytes))
    expect(meta).toEqual({inputSize: 224, layout: 'NCHW', architecture: 'npr-resnet50-layer2', output: 'probability'})
    const file = path.join(tmp, 'npr.onnx')
    await exportNprOnnx(sd, file)
    const det = await OnnxDetector.load(file)
    expect(det.inputSize).toBe(224)
    const images = await Promise.all(cases.map((c) => decodeImage(path.join(PARITY_DIR, c.image))))
    const probs = await det.predict(images)
    probs.forEach((p, i) => expect(Math.abs(p - cases[i]!.probability)).toBeLessThan(1e-4))
    await det.dispose()
  })

  it('refuses a state_dict that does not fit, naming the keys', async () => {
    const sd = await importPth(PARITY_PTH)
    sd.delete('layer1.0.conv2.weight')
    expect(() => buildNprOnnx(sd)).toThrow(/missing keys: layer1.0.conv2.weight/)
  })
})

describe('any ONNX detector with declared metadata', () => {
  it('applies the declared size, layout, mean/std and logit output', async () => {
    // white image → x = 1; with mean 0.5 / std 0.25 → 2; logit output → sigmoid(2)
    const file = path.join(tmp, 'mean-nhwc.onnx')
    const {promises: fs} = await import('node:fs')
    await fs.writeFile(file, meanModel('NHWC', 8, {[META.inputSize]: '8', [META.layout]: 'NHWC', [META.mean]: '0.5,0.5,0.5', [META.std]: '0.25,0.25,0.25', [META.output]: 'logit'}, false))
    const det = await loadDetector(file)
    expect(det.inputSize).toBe(8)
    const [p, q] = await det.predict([solid(255, 20, 12), solid(0, 9, 9)])
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-2)), 5)
    expect(q).toBeCloseTo(1 / (1 + Math.exp(2)), 5)
    await det.dispose()
  })

  it('falls back to the graph input size, NCHW, no normalisation and probability output', async () => {
    const det = await OnnxDetector.load(meanModel('NCHW', 16, {}, true))
    expect(det.inputSize).toBe(16)
    const [p] = await det.predict([solid(255, 40, 30)])
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-1)), 5)
    await det.dispose()
    expect(() => parseDetectorMetadata({[META.mean]: '1,2'})).toThrow(/three numbers/)
    expect(() => parseDetectorMetadata({[META.output]: 'softmax'})).toThrow(/probability or logit/)
  })

  it('says which file failed to load', async () => {
    await expect(OnnxDetector.load(Buffer.from('not onnx'), {name: 'broken.onnx'})).rejects.toThrow(/^broken.onnx: cannot load ONNX model/)
  })
})
