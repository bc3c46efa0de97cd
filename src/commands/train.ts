import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {stopOnSignals} from '../cli/signals.js'
import {backendFlag} from '../cli/flags.js'
import {parseLevelChoice} from '../image/index.js'
import {formatDuration, Progress} from '../config/progress.js'
import {runTrain} from '../training/run.js'
import {ENGINES} from '../training/step-engine.js'
import {DEFAULT_TRAIN_CONFIG, type ProgressEvent} from '../training/trainer.js'

const d = DEFAULT_TRAIN_CONFIG

export default class Train extends BitmindCommand {
  static override summary = 'Train the NPR detector on a corpus, image folders or datasets (BitMind\'s recipe); checkpoints and ONNX exports'
  static override description = `Train the NPR detector (BitMind's recipe: Adam, BCE-with-logits, balanced real/fake batches,
lr × 0.9 every --delr-freq epochs, validation each epoch, early stop after --patience epochs without a better
validation accuracy). Writes checkpoints/<experiment>/: model_epoch_best/ and model_epoch_last/ (tfjs) with their
.onnx exports (ready for \`bitmind mine --neuron.model_path\`), config.json, metrics.json and TensorBoard events/.
Ctrl-C saves a resumable checkpoint; continue with --resume.`

  static override examples = [
    '<%= config.bin %> train --corpus /work/corpus --experiment npr-corpus',
    '<%= config.bin %> train --corpus /work/corpus --train-crop 48 --crop-align 24 --lr 1e-3 --bn-recalibration 20',
    '<%= config.bin %> train --real photos/ --fake generated/ --epochs 20',
    '<%= config.bin %> train --resume checkpoints/npr-corpus',
  ]

  static override flags = {
    corpus: Flags.string({description: 'offline corpus folder (train/val/test splits)'}),
    real: Flags.string({description: 'folder of real images (repeatable)', multiple: true}),
    fake: Flags.string({description: 'folder of generated images (repeatable)', multiple: true}),
    datasets: Flags.string({description: 'downloaded registry datasets, comma-separated (see `bitmind download-data`)'}),
    'cache-dir': Flags.string({description: 'where download-data put the datasets'}),
    'val-fraction': Flags.string({description: 'share of folders/datasets held out for validation', default: '0.1'}),
    experiment: Flags.string({description: 'run name (checkpoints/<experiment>/)', default: 'npr'}),
    'checkpoints-dir': Flags.string({description: 'parent folder of experiments', default: 'checkpoints'}),
    resume: Flags.string({description: 'continue a run: its experiment folder or its resume/ folder'}),
    init: Flags.string({description: 'start from these weights (.pth, tfjs folder) instead of random ones'}),
    epochs: Flags.integer({description: `most epochs to run [default: ${d.epochs}; a resumed run keeps its own unless given]`, min: 1}),
    'batch-size': Flags.integer({description: 'images per step', default: d.batchSize, min: 1}),
    lr: Flags.string({description: 'Adam learning rate', default: String(d.lr)}),
    beta1: Flags.string({description: 'Adam β1', default: String(d.beta1)}),
    beta2: Flags.string({description: 'Adam β2', default: String(d.beta2)}),
    'delr-freq': Flags.integer({description: 'multiply lr by 0.9 every this many epochs', default: d.delrFreq, min: 0}),
    'min-lr': Flags.string({description: 'lr floor', default: String(d.minLr)}),
    patience: Flags.integer({description: 'early stop after this many epochs without a better validation accuracy', default: d.patience, min: 1}),
    seed: Flags.integer({description: 'seed for sampling, augmentation and initial weights', default: d.seed}),
    size: Flags.integer({description: 'input size of validation/test and of the exported model', default: d.inputSize, min: 16}),
    'train-crop': Flags.integer({description: 'train on raw random crops of this size (no resampling) instead of the validator’s challenge augmentation', min: 8}),
    'crop-align': Flags.integer({description: 'raw crops start at multiples of this', default: 1, min: 1}),
    'per-class': Flags.integer({description: 'samples per class per epoch (default: the larger pool)', min: 1}),
    'val-per-class': Flags.integer({description: 'validate on at most this many images per class', min: 1}),
    'micro-batch': Flags.integer({description: 'accumulate gradients over micro-batches of this size (default: the whole batch; --engine tfjs on wasm: what fits its 4 GiB heap, 4 at 224²)', min: 1}),
    challenge: Flags.boolean({description: 'train and validate on images as a validator sends them: the challenge augmentation to --size, then JPEG (--challenge-quality)', default: false}),
    'challenge-quality': Flags.integer({description: 'JPEG quality of --challenge images', default: 75, min: 1, max: 100}),
    level: Flags.string({description: 'augmentation level of --challenge images, as `bitmind validate --challenge.level` (default 1)', options: ['random', '0', '1', '2', '3']}),
    'bn-recalibration': Flags.integer({description: 'training batches to re-estimate BatchNorm statistics on before each validation', default: 0, min: 0}),
    engine: Flags.string({description: 'what computes the training steps and validation: onnx (ONNX Runtime, every core) or tfjs (the network itself, on --backend)', options: [...ENGINES], default: 'onnx'}),
    ...backendFlag,
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Train)
    if (flags.level !== undefined && !flags.challenge) this.fail('--level sets the augmentation of --challenge images: add --challenge')
    const num = (name: string, v: string) => {
      const x = Number(v)
      if (!Number.isFinite(x) || x < 0) this.fail(`--${name} must be a non-negative number, got "${v}"`)
      return x
    }
    const stop = stopOnSignals(() => process.stderr.write('\nCtrl-C: saving a resumable checkpoint (press again to quit at once)\n'))
    // one bar per epoch over its batches; without a terminal a line every 30 s and at the epoch's end
    let bar: Progress | undefined
    const onProgress = (e: ProgressEvent) => {
      bar ??= new Progress({label: `epoch ${e.epoch}/${e.epochs}`, total: e.batches, unit: 'batches', everyMs: 30_000})
      bar.update(e.batch, `loss ${e.loss.toFixed(4)}, ${e.imagesPerSec.toFixed(1)} img/s`)
    }
    const endEpoch = () => {
      bar?.finish()
      bar = undefined
    }
    const log = this.makeLogger()
    try {
      const r = await runTrain({
        corpus: flags.corpus,
        real: flags.real,
        fake: flags.fake,
        datasets: flags.datasets?.split(',').map((s) => s.trim()).filter(Boolean),
        cacheDir: flags['cache-dir'],
        valFraction: num('val-fraction', flags['val-fraction']),
        experiment: flags.experiment,
        checkpointsDir: flags['checkpoints-dir'],
        resume: flags.resume,
        init: flags.init,
        backend: flags.backend,
        engine: flags.engine as (typeof ENGINES)[number],
        config: {
          epochs: flags.epochs,
          batchSize: flags['batch-size'],
          lr: num('lr', flags.lr),
          beta1: num('beta1', flags.beta1),
          beta2: num('beta2', flags.beta2),
          delrFreq: flags['delr-freq'],
          minLr: num('min-lr', flags['min-lr']),
          patience: flags.patience,
          seed: flags.seed,
          inputSize: flags.size,
          trainCrop: flags['train-crop'],
          cropAlign: flags['crop-align'],
          perClass: flags['per-class'],
          valPerClass: flags['val-per-class'],
          bnRecalibrationBatches: flags['bn-recalibration'],
          challengeQuality: flags.challenge ? flags['challenge-quality'] : undefined,
          challengeLevel: flags.challenge && flags.level !== undefined ? parseLevelChoice(flags.level) : undefined,
          microBatch: flags['micro-batch'],
        },
        signal: stop.signal,
        onProgress: this.jsonEnabled() ? undefined : onProgress,
        onEpoch: endEpoch,
        log: (m) => log.info(m),
      })
      endEpoch()
      if (!this.jsonEnabled()) {
        const best = r.bestEpoch > 0 ? `best epoch ${r.bestEpoch} (val accuracy ${(100 * r.bestValAccuracy).toFixed(2)} %)` : 'no epoch finished'
        this.log(`${r.status} after ${r.epochsRun} epochs in ${formatDuration(r.seconds)}: ${best}`)
        if (r.test) this.log(`test: accuracy ${(100 * r.test.accuracy).toFixed(2)} %, AP ${r.test.ap.toFixed(4)}`)
        this.log(r.status === 'interrupted' ? `resume with: bitmind train --resume ${r.resumeDir}` : `checkpoints: ${r.outDir}`)
      }
      return r as unknown as Record<string, unknown>
    } catch (error) {
      this.fail(error)
    } finally {
      endEpoch()
      stop.dispose()
    }
  }
}
