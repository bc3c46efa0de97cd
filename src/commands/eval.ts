import {Args, Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {backendFlag} from '../cli/flags.js'
import {parseLevelChoice} from '../image/index.js'
import {Progress} from '../config/progress.js'
import {formatEvalTable} from '../training/evaluate.js'
import {runEval} from '../training/run-eval.js'

export default class Eval extends BitmindCommand {
  static override summary = 'Evaluate a detector on labelled images: accuracy, AP, ROC AUC, F1, confusion matrix, per-source breakdown'
  static override description = `Evaluate a detector on labelled images: accuracy, real/fake accuracy, AP, ROC AUC, precision,
recall, F1, confusion matrix and a per-source breakdown (generator / photo package). Data arguments: an offline
corpus folder (its --split is used), a split folder holding real/ and fake/, or real=<dir> / fake=<dir>.`

  static override examples = [
    '<%= config.bin %> eval --model models/npr.onnx /work/corpus',
    '<%= config.bin %> eval --model checkpoints/npr/model_epoch_best /work/corpus --split val --report eval.html',
    '<%= config.bin %> eval --model my.pth real=photos/ fake=generated/ --json',
  ]

  static override strict = false
  static override args = {
    data: Args.string({description: 'corpus, split folder, or real=<dir> / fake=<dir> (several allowed)', required: true}),
  }

  static override flags = {
    model: Flags.string({description: 'detector: .onnx, .pth or a tfjs model folder (default: the shipped model)'}),
    split: Flags.string({description: 'split of a corpus folder', options: ['train', 'val', 'test'], default: 'test'}),
    'batch-size': Flags.integer({description: 'images per forward pass', default: 16, min: 1}),
    report: Flags.string({description: 'write an HTML report here (plus <name>.roc.png and <name>.confusion.png)'}),
    challenge: Flags.boolean({description: 'score images as a validator sends them: one seeded challenge augmentation + JPEG per file', default: false}),
    'challenge-size': Flags.integer({description: 'size of --challenge images (RandomResizedCrop output)', default: 256, min: 16}),
    'challenge-quality': Flags.integer({description: 'JPEG quality of --challenge images', default: 75, min: 1, max: 100}),
    level: Flags.string({description: 'augmentation level of --challenge images, as `bitmind validate --challenge.level`: random, 0 (none), 1 (default: rotation/crop/flips), 2 (+ saturation, contrast, JPEG resample), 3 (+ noise, blur)', options: ['random', '0', '1', '2', '3']}),
    seed: Flags.integer({description: 'seed of the --challenge augmentation', default: 0}),
    'max-per-class': Flags.integer({description: 'evaluate at most this many images of each label (even strides)', min: 1}),
    ...backendFlag,
  }

  async run(): Promise<Record<string, unknown>> {
    const {argv, flags} = await this.parse(Eval)
    const data = argv as string[]
    if (flags.level !== undefined && !flags.challenge) this.fail('--level sets the augmentation of --challenge images: add --challenge')
    let result
    let bar: Progress | undefined
    try {
      result = await runEval({
        model: flags.model,
        data,
        split: flags.split,
        batchSize: flags['batch-size'],
        backend: flags.backend,
        report: flags.report,
        maxPerClass: flags['max-per-class'],
        challenge: flags.challenge ? {size: flags['challenge-size'], quality: flags['challenge-quality'], seed: flags.seed, level: flags.level === undefined ? 1 : parseLevelChoice(flags.level)} : undefined,
        onProgress: this.jsonEnabled()
          ? undefined
          : (done, total) => {
              bar ??= new Progress({label: 'scored', total, unit: 'images', everyMs: 5000})
              bar.update(done)
            },
      })
    } catch (error) {
      bar?.finish()
      this.fail(error)
    }
    bar?.finish()
    if (!this.jsonEnabled()) {
      this.log(`model ${result.model}`)
      this.log(formatEvalTable(result))
      if (result.report) this.log(`\nreport: ${result.report.html} (ROC curve: ${result.report.rocPng})`)
    }
    const {predictions, ...summary} = result
    return {...summary, predictions}
  }
}
