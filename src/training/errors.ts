/** Typed errors of training, in a module without tfjs or the data readers so that the CLI's message translators can load it cheaply. */
export type TrainingDataProblem = 'corpus-and-sources' | 'datasets-without-cache' | 'missing-class'

const PROBLEMS: Record<TrainingDataProblem, string> = {
  'corpus-and-sources': 'give either a corpus or real/fake folders and datasets, not both',
  'datasets-without-cache': 'datasets need a cache folder',
  'missing-class': 'training needs real and fake images: a corpus, or folders of real and of fake images (or datasets)',
}

/** Training data options that do not make a training set; `problem` says why. */
export class TrainingDataError extends Error {
  constructor(readonly problem: TrainingDataProblem) {
    super(PROBLEMS[problem])
    this.name = 'TrainingDataError'
  }
}
