import {parseSchedulerConfig, type SchedulerConfig} from './config.js'
import {alphasCumprod, interpSigma, spacedTimesteps, type Scheduler} from './common.js'

/**
 * Euler (diffusers `EulerDiscreteScheduler`, no churn): σ-space ODE steps, x ← x + ε·(σ_next − σ). With
 * `ancestral`, the step goes to σ_down and adds fresh noise of σ_up (`EulerAncestralDiscreteScheduler`).
 */
export class EulerScheduler implements Scheduler {
  readonly name: string
  readonly cfg: SchedulerConfig
  timesteps: number[] = []
  sigmas: number[] = []
  private readonly trainSigmas: Float64Array

  constructor(config: unknown = {}, readonly ancestral = false) {
    this.cfg = parseSchedulerConfig(config)
    this.name = ancestral ? 'euler-ancestral' : 'euler'
    this.trainSigmas = alphasCumprod(this.cfg).map((a) => Math.sqrt((1 - a) / a))
  }

  setTimesteps(steps: number): void {
    this.timesteps = spacedTimesteps(this.cfg, steps)
    this.sigmas = [...this.timesteps.map((t) => interpSigma(this.trainSigmas, t)), 0]
  }

  get initNoiseSigma(): number {
    const max = Math.max(...this.sigmas)
    return this.cfg.timestep_spacing === 'leading' ? Math.sqrt(max * max + 1) : max
  }

  scaleModelInput(sample: Float32Array, i: number): Float32Array {
    const s = 1 / Math.sqrt(this.sigmas[i]! ** 2 + 1)
    return sample.map((v) => v * s)
  }

  /** σ_up and σ_down of an ancestral step from σ_i to σ_{i+1}. */
  ancestralSigmas(i: number): {up: number; down: number} {
    const from = this.sigmas[i]!
    const to = this.sigmas[i + 1]!
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from))
    return {up, down: Math.sqrt(to * to - up * up)}
  }

  step(out: Float32Array, i: number, x: Float32Array, noise?: () => number): Float32Array {
    const sigma = this.sigmas[i]!
    const pred = this.cfg.prediction_type
    const res = new Float32Array(x.length)
    const {up, down} = this.ancestral ? this.ancestralSigmas(i) : {up: 0, down: this.sigmas[i + 1]!}
    if (this.ancestral && up > 0 && !noise) throw new Error('euler-ancestral needs a noise source')
    for (let k = 0; k < x.length; k++) {
      const x0 = pred === 'epsilon' ? x[k]! - sigma * out[k]!
        : pred === 'v_prediction' ? out[k]! * (-sigma / Math.sqrt(sigma * sigma + 1)) + x[k]! / (sigma * sigma + 1)
          : out[k]!
      const derivative = (x[k]! - x0) / sigma
      res[k] = x[k]! + derivative * (down - sigma) + (up > 0 ? noise!() * up : 0)
    }
    return res
  }
}
