// onnxruntime-node checks tensors with `instanceof Float32Array` etc. of the host realm; jest gives each
// test file its own realm, so copy the host's constructors in (microsoft/onnxruntime#16622).
const {TestEnvironment} = require('jest-environment-node')

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array',
  'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]

class NodeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    for (const name of SHARED) this.global[name] = globalThis[name]
  }
}

module.exports = NodeTypedArraysEnvironment
