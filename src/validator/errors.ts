/**
 * The validator's challenge-data settings an error can be about, as neutral keys (the option fields of
 * ChallengeDataOptions / GenerationOptions; the CLI maps them to its flags). 'sources' is the choice of sources as a whole.
 */
export type ChallengeDataField = 'sources' | 'data.corpus' | 'data.esrgan' | 'generation.model' | 'generation.size' | 'generation.prompt_model'

/**
 * - `no-sources`: no image source at all
 * - `needs-real`: the setting makes fakes from real photos, and there is no real image source
 * - `not-corpus`: the folder is not an offline corpus (no test/ split)
 * - `invalid`: a malformed value (`reason` says what it must look like)
 * - `missing`: no such folder
 * - `unloadable`: the folder is there but does not load (`reason`: the loader's first line)
 */
export type ChallengeDataProblem = 'no-sources' | 'needs-real' | 'not-corpus' | 'invalid' | 'missing' | 'unloadable'

const SETTING: Record<ChallengeDataField, string> = {
  sources: 'challenge data',
  'data.corpus': 'offline corpus',
  'data.esrgan': 'ESRGAN fakes',
  'generation.model': 'text-to-image model',
  'generation.size': 'generated image size',
  'generation.prompt_model': 'prompt model',
}

const PROBLEM: Record<ChallengeDataProblem, string> = {
  'no-sources': 'no challenge data: give real or generated image folders, an offline corpus, registry datasets, ESRGAN or text-to-image models',
  'needs-real': 'makes fakes from real photos, and there is no real image source',
  'not-corpus': 'has no test/ split, so it is not an offline corpus',
  invalid: 'is not valid',
  missing: 'no such folder',
  unloadable: 'does not load',
}

/** A challenge-data setting the validator cannot use (docs/ARCHITECTURE.md § Challenges and scoring). */
export class ChallengeDataError extends Error {
  constructor(
    readonly field: ChallengeDataField,
    readonly problem: ChallengeDataProblem,
    /** the bad value (a folder, a size), when there is one */
    readonly value?: string,
    /** what was wrong in detail: the requirement of an invalid value, the first line of a load failure */
    readonly reason?: string,
  ) {
    super(field === 'sources' ? PROBLEM[problem] : `${SETTING[field]}${value === undefined ? '' : ` ${value}`}: ${reason ?? PROBLEM[problem]}`)
    this.name = 'ChallengeDataError'
  }
}
