import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {backendFlag, loggingFlags} from '../cli/flags.js'
import {DEFAULT_MODEL_PATH, shippedModel} from '../config/paths.js'
import {Progress} from '../config/progress.js'
// the modules themselves, not detector/index.js: that one pulls in tfjs, which an .onnx model does not need
import type {Engine} from '../detector/detector.js'
import {loadDetector, ModelNotFoundError} from '../detector/load.js'
import {collectImageFiles, predictFiles, type FileResult} from '../detector/predict-files.js'

const MODEL_HINT = 'pass --model <file.onnx | file.pth | tfjs folder> or run `bitmind train`'

export default class Predict extends BitmindCommand {
  static override description = 'Score images: the probability that each is AI-generated (> 0.5 = fake)'
  static override strict = false
  static override args = {
    paths: Args.string({description: 'image files or folders (searched recursively)', required: true}),
  }

  static override examples = [
    '<%= config.bin %> predict test/fixtures/images/sample.png',
    '<%= config.bin %> predict photos/ --batch-size 32 --json',
    '<%= config.bin %> predict --model npr.pth --engine onnx img.jpg',
  ]

  static override flags = {
    model: Flags.string({char: 'm', description: 'detector: .onnx, .pth (PyTorch NPR state_dict) or a tfjs model folder (default: the model in models/)'}),
    engine: Flags.string({description: 'engine for .pth / tfjs-folder weights (.onnx always runs on ONNX Runtime)', options: ['tfjs', 'onnx'], default: 'tfjs'}),
    'batch-size': Flags.integer({description: 'images per forward pass', default: 16, min: 1}),
    provider: Flags.string({description: 'ONNX Runtime execution provider', options: ['cpu', 'cuda'], default: 'cpu'}),
    ...backendFlag,
    ...loggingFlags,
  }

  async run(): Promise<FileResult[]> {
    const {argv, flags} = await this.parse(Predict)
    const modelPath = flags.model ?? shippedModel()
    if (!modelPath) {
      this.fail(`no default model in ${path.dirname(DEFAULT_MODEL_PATH)}: ${MODEL_HINT}`)
    }
    const {files, missing} = await collectImageFiles(argv as string[])
    if (files.length === 0 && missing.length === 0) this.fail('no image files found in the given folders')

    let detector
    try {
      detector = await loadDetector(modelPath, {
        engine: flags.engine as Engine,
        provider: flags.provider,
        ...(flags.backend ? {backend: flags.backend} : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      })
    } catch (err) {
      if (err instanceof ModelNotFoundError) this.fail(`no model at ${modelPath}: ${MODEL_HINT}`)
      this.fail(err)
    }
    const engine = detector.engine === 'onnx' ? `onnxruntime (${flags.provider})` : 'tfjs'
    process.stderr.write(`model ${modelPath} on ${engine}, ${files.length} image${files.length === 1 ? '' : 's'}\n`)

    const showBar = files.length > flags['batch-size'] && process.stderr.isTTY
    let results: FileResult[]
    // a bar on a terminal only: piped output stays one line per image
    const bar = showBar ? new Progress({label: 'predict', total: files.length, unit: 'images'}) : undefined
    try {
      results = await predictFiles(files, detector, {
        batchSize: flags['batch-size'],
        onProgress: bar ? (done) => bar.update(done) : undefined,
      })
    } finally {
      bar?.finish()
      await detector.dispose()
    }
    results = [...missing.map((file) => ({file, error: `${file}: file not found`})), ...results]

    const failed = results.filter((r) => 'error' in r)
    for (const r of results) {
      if ('error' in r) process.stderr.write(`error: ${r.error}\n`)
      else if (!this.jsonEnabled()) this.log(`${r.file}\t${r.probability.toFixed(4)}\t${r.verdict}`)
    }
    if (failed.length > 0) {
      process.stderr.write(`${failed.length} of ${results.length} file${results.length === 1 ? '' : 's'} could not be read\n`)
      process.exitCode = 1
    }
    return results
  }
}
