import {DemoModelMissingError} from '../../localnet/errors.js'
import {ChallengeDataError, type ChallengeDataField} from '../../validator/errors.js'

/** The validate flag that sets each challenge-data field. */
const FLAG: Record<Exclude<ChallengeDataField, 'sources'>, string> = {
  'data.corpus': '--data.corpus',
  'data.esrgan': '--data.esrgan',
  'generation.model': '--generation.model',
  'generation.size': '--generation.size',
  'generation.prompt_model': '--generation.prompt_model',
}

const REAL_SOURCE_FLAGS = '(--data.real_dir, --data.corpus or --data.dataset)'

function challengeDataMessage(err: ChallengeDataError): string {
  const {field, problem, value, reason} = err
  if (field === 'sources') return 'no challenge data: pass --data.corpus, --data.real_dir/--data.synthetic_dir folders, --data.dataset, --data.esrgan or --generation.model'
  const flag = FLAG[field]
  switch (problem) {
    case 'needs-real':
      return field === 'generation.prompt_model'
        ? `${flag} ${value} is a captioner: it describes real photos, so it needs a real image source too ${REAL_SOURCE_FLAGS}`
        : `${flag} re-upscales real photos: it needs a real image source too ${REAL_SOURCE_FLAGS}`
    case 'not-corpus':
      return `${value} is not an offline corpus (no test/ split): build one with bitmind download-data --offline-corpus`
    case 'missing':
      return `${flag} ${value}: no such folder. Point it at a diffusers ONNX export (e.g. optimum-cli export onnx --model stabilityai/sd-turbo <dir>)`
    case 'unloadable': {
      if (field === 'generation.prompt_model') {
        return `${flag} ${value}: ${reason}. It must be a local transformers.js folder (config.json, onnx/) of a text-generation (MagicPrompt GPT-2) or image-to-text model`
      }
      const fix = /execution provider/.test(reason ?? '')
        ? 'Use --generation.provider cpu, or an onnxruntime-node build with that provider'
        : `It must be a diffusers ONNX export (model_index.json, text_encoder/, tokenizer/, unet/, vae_decoder/, scheduler/); try it alone with bitmind generate --model-dir ${value}`
      return `${flag} ${value}: ${reason}. ${fix}`
    }
    default:
      return `${flag} ${reason ?? err.message}`
  }
}

/** Turns typed errors of the neurons libraries into command-line words (flag names, the command to run next). */
export function neuronsMessage(err: unknown): string | undefined {
  if (err instanceof ChallengeDataError) return challengeDataMessage(err)
  if (err instanceof DemoModelMissingError) return `no detector at ${err.path}: train one (bitmind train) or pass --model`
  return undefined
}
