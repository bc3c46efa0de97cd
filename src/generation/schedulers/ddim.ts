import {parseSchedulerConfig, type SchedulerConfig} from './config.js'
import {alphasCumprod, predictX0Eps, spacedTimesteps, type Scheduler} from './common.js'

/** DDIM with η = 0 (deterministic), as diffusers `DDIMScheduler`. */
export class DdimScheduler implements Scheduler {
  readonly name = 'ddim'
  readonly cfg: SchedulerConfig
  readonly initNoiseSigma = 1
  timesteps: number[] = []
  private readonly alphas: Float64Array
  private readonly finalAlpha: number

  constructor(config: unknown = {}) {
    this.cfg = parseSchedulerConfig(config)
    this.alphas = alphasCumprod(this.cfg)
    this.finalAlpha = this.cfg.set_alpha_to_one ? 1 : this.alphas[0]!
  }

  setTimesteps(steps: number): void {
    this.timesteps = spacedTimesteps(this.cfg, steps)
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample
  }

  step(out: Float32Array, i: number, x: Float32Array): Float32Array {
    const t = this.timesteps[i]!
    const prevT = t - Math.floor(this.cfg.num_train_timesteps / this.timesteps.length)
    const aT = this.alphas[t]!
    const aPrev = prevT >= 0 ? this.alphas[prevT]! : this.finalAlpha
    const res = new Float32Array(x.length)
    for (let k = 0; k < x.length; k++) {
      const [x0, eps] = predictX0Eps(this.cfg.prediction_type, out[k]!, x[k]!, aT)
      res[k] = Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps
    }
    return res
  }
}
