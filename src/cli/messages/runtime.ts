import {ByteLimitTooSmallError, HubUnresolvedError} from '../../data/errors.js'
import {ImageSizeError} from '../../generation/errors.js'
import {TrainingDataError, type TrainingDataProblem} from '../../training/errors.js'

const TRAINING_DATA: Record<TrainingDataProblem, string> = {
  'corpus-and-sources': 'give either --corpus or --real/--fake/--datasets, not both',
  'datasets-without-cache': '--datasets needs a cache folder',
  'missing-class': 'training needs real and fake images: --corpus <dir>, or --real <dir> and --fake <dir> (or --datasets)',
}

/**
 * Turns typed errors of the runtime libraries (runtime, detector, generation, training, image, data) into command-line
 * words (flag names, the command to run next).
 */
export function runtimeMessage(err: unknown): string | undefined {
  if (err instanceof TrainingDataError) return TRAINING_DATA[err.problem]
  if (err instanceof ImageSizeError) return `--${err.field} ${err.requirement}, got ${err.got}`
  if (err instanceof HubUnresolvedError) return `${err.message}. Offline, build the corpus from Debian's photos instead: bitmind download-data --offline-corpus <dir>`
  if (err instanceof ByteLimitTooSmallError) {
    return `${err.dataset}: --max-bytes ${err.maxBytes} is smaller than its first parquet file (${err.file}, ${err.fileBytes} bytes); files are taken whole`
  }
  return undefined
}
