import {AlphaScheduler, predictX0Eps, spacedTimesteps} from './common.js'

/** DDIM with η = 0 (deterministic), as diffusers `DDIMScheduler`. */
export class DdimScheduler extends AlphaScheduler {
  readonly name = 'ddim'

  setTimesteps(steps: number): void {
    this.timesteps = spacedTimesteps(this.cfg, steps)
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
