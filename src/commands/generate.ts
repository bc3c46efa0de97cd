import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {cliMessage} from '../cli/messages/index.js'
import {loggingFlags} from '../cli/flags.js'
import {generateImages, parseSize, type GenerateRunResult} from '../generation/generate-run.js'
import {PROVIDERS} from '../runtime/onnx-session.js'
import {SCHEDULERS, type SchedulerName} from '../generation/schedulers/index.js'

const generateFlags = {
  'model-dir': Flags.string({description: 'diffusers ONNX export folder (model_index.json, unet/, vae_decoder/, text_encoder/, tokenizer/, scheduler/)', required: true}),
  prompt: Flags.string({description: 'text prompt (default: from --prompt-model, else templates)'}),
  'prompt-model': Flags.string({description: 'local transformers.js model folder for prompts (MagicPrompt GPT-2 text-generation)'}),
  steps: Flags.integer({description: 'denoising steps', default: 4, min: 1}),
  size: Flags.string({description: 'WIDTHxHEIGHT, multiples of 8', default: '512x512'}),
  seed: Flags.integer({description: 'seed for the noise (image k uses seed+k)'}),
  'guidance-scale': Flags.string({description: 'classifier-free guidance scale (> 1 turns CFG on; LCM: embedded guidance w)'}),
  count: Flags.integer({description: 'images to make', default: 1, min: 1}),
  out: Flags.string({description: 'output PNG (several: name-0.png, name-1.png, …)', default: 'generated.png'}),
  provider: Flags.string({description: 'ONNX Runtime execution provider', options: [...PROVIDERS], default: 'cpu'}),
  scheduler: Flags.string({description: 'override the scheduler in scheduler_config.json', options: [...SCHEDULERS]}),
  ...loggingFlags,
}

export default class Generate extends BitmindCommand {
  static override description = 'Make synthetic images with a local ONNX diffusion model (SD/SD-turbo, SDXL/SDXL-turbo, LCM) to check it before validating'

  static override examples = [
    '<%= config.bin %> generate --model-dir models/sd-turbo-onnx --prompt "a lighthouse in a storm" --steps 1 --size 512x512 --seed 42 --out out/lighthouse.png',
    '<%= config.bin %> generate --model-dir models/lcm-dreamshaper-v7-onnx --steps 4 --count 3 --prompt-model models/MagicPrompt-Stable-Diffusion --out out/lcm.png',
  ]

  static override flags = generateFlags

  async run(): Promise<GenerateRunResult[]> {
    const {flags} = await this.parse(Generate)
    try {
      const {width, height} = parseSize(flags.size)
      const gs = flags['guidance-scale'] === undefined ? undefined : Number(flags['guidance-scale'])
      if (gs !== undefined && !Number.isFinite(gs)) this.fail(`--guidance-scale must be a number, got ${flags['guidance-scale']}`)
      const results = await generateImages({
        modelDir: flags['model-dir'], prompt: flags.prompt, promptModel: flags['prompt-model'], steps: flags.steps, width, height,
        seed: flags.seed, guidanceScale: gs, count: flags.count, out: flags.out, provider: flags.provider,
        scheduler: flags.scheduler as SchedulerName | undefined, log: (l) => process.stderr.write(`${l}\n`),
      })
      const total = results.reduce((s, r) => s + r.totalMs, 0)
      const steps = results.flatMap((r) => r.stepMs)
      if (!this.jsonEnabled()) {
        for (const r of results) this.log(r.file)
        process.stderr.write(`total ${(total / 1000).toFixed(2)} s, ${(steps.reduce((a, b) => a + b, 0) / Math.max(1, steps.length)).toFixed(0)} ms/step\n`)
      }
      return results
    } catch (err) {
      this.fail(cliMessage(err).split('\n')[0]!)
    }
  }
}
