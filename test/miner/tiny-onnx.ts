import onnxPkg from 'onnx-proto'

const {onnx} = onnxPkg

/**
 * A tiny real ONNX detector for tests: p = sigmoid(scale · mean(x) + bias) over an NCHW float input named `input`,
 * output `output` [N]. scale 0, bias 0 answers exactly 0.5; a negative scale calls dark images fake.
 * `metadata` lands in the model's metadata_props (how ONNX detectors declare input size and normalisation).
 */
export function tinyDetectorOnnx(opts: {scale: number; bias: number; inputSize?: number; metadata?: Record<string, string>}): Buffer {
  const size = opts.inputSize ?? 32
  const f = onnx.TensorProto.DataType.FLOAT
  const scalar = (name: string, v: number) => onnx.TensorProto.create({name, dataType: f, dims: [], floatData: [v]})
  const graph = onnx.GraphProto.create({
    name: 'tiny-detector',
    node: [
      onnx.NodeProto.create({
        opType: 'ReduceMean',
        input: ['input'],
        output: ['m'],
        attribute: [
          onnx.AttributeProto.create({name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2, 3]}),
          onnx.AttributeProto.create({name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0}),
        ],
      }),
      onnx.NodeProto.create({opType: 'Mul', input: ['m', 'scale'], output: ['a']}),
      onnx.NodeProto.create({opType: 'Add', input: ['a', 'bias'], output: ['z']}),
      onnx.NodeProto.create({opType: 'Sigmoid', input: ['z'], output: ['output']}),
    ],
    initializer: [scalar('scale', opts.scale), scalar('bias', opts.bias)],
    input: [valueInfo('input', ['N', 3, size, size])],
    output: [valueInfo('output', ['N'])],
  })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'bitmind-tests',
    opsetImport: [onnx.OperatorSetIdProto.create({domain: '', version: 13})],
    graph,
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => onnx.StringStringEntryProto.create({key, value})),
  })
  return Buffer.from(onnx.ModelProto.encode(model).finish())
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({dimValue: d}) : onnx.TensorShapeProto.Dimension.create({dimParam: d}),
          ),
        }),
      }),
    }),
  })
}
