import {AlphaScheduler, predictX0Eps} from './common.js'

const SIGMA_DATA = 0.5

/**
 * Latent Consistency Model scheduler (diffusers `LCMScheduler`): timesteps picked from the distillation schedule
 * of `original_inference_steps`, each step jumps to the consistency-model estimate of x0 and re-noises to the next
 * timestep (no noise after the last).
 */
export class LcmScheduler extends AlphaScheduler {
  readonly name = 'lcm'

  setTimesteps(steps: number): void {
    const orig = this.cfg.original_inference_steps
    if (steps > orig) throw new Error(`LCM steps (${steps}) cannot exceed original_inference_steps (${orig})`)
    const k = Math.floor(this.cfg.num_train_timesteps / orig)
    const origin = Array.from({length: orig}, (_, i) => (i + 1) * k - 1).reverse()
    this.timesteps = Array.from({length: steps}, (_, i) => origin[Math.floor((i * orig) / steps)]!)
  }

  boundaryScalings(t: number): {cSkip: number; cOut: number} {
    const s = t * this.cfg.timestep_scaling
    return {cSkip: SIGMA_DATA ** 2 / (s * s + SIGMA_DATA ** 2), cOut: s / Math.sqrt(s * s + SIGMA_DATA ** 2)}
  }

  step(out: Float32Array, i: number, x: Float32Array, noise?: () => number): Float32Array {
    const t = this.timesteps[i]!
    const last = i === this.timesteps.length - 1
    const prevT = last ? -1 : this.timesteps[i + 1]!
    const aT = this.alphas[t]!
    const aPrev = prevT >= 0 ? this.alphas[prevT]! : this.finalAlpha
    const {cSkip, cOut} = this.boundaryScalings(t)
    if (!last && !noise) throw new Error('lcm needs a noise source between steps')
    const res = new Float32Array(x.length)
    for (let k = 0; k < x.length; k++) {
      const [x0] = predictX0Eps(this.cfg.prediction_type, out[k]!, x[k]!, aT)
      const denoised = cOut * x0 + cSkip * x[k]!
      res[k] = last ? denoised : Math.sqrt(aPrev) * denoised + Math.sqrt(1 - aPrev) * noise!()
    }
    return res
  }
}
