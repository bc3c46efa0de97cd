import {parseSchedulerConfig, type SchedulerConfig} from './config.js'

/** A diffusers-style scheduler: the same verbs for every kind (indices are positions in `timesteps`). */
export interface Scheduler {
  readonly name: string
  readonly timesteps: number[]
  readonly initNoiseSigma: number
  setTimesteps(steps: number): void
  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array
  /** One denoising step from the model's output; `noise` draws N(0, 1) for stochastic schedulers. */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, noise?: () => number): Float32Array
}

/** What DDIM and LCM share: steps in ᾱ space, unscaled model input, ᾱ = 1 (or ᾱ_0) past the last timestep. */
export abstract class AlphaScheduler implements Scheduler {
  abstract readonly name: string
  readonly cfg: SchedulerConfig
  readonly initNoiseSigma = 1
  timesteps: number[] = []
  protected readonly alphas: Float64Array
  protected readonly finalAlpha: number

  constructor(config: unknown = {}) {
    this.cfg = parseSchedulerConfig(config)
    this.alphas = alphasCumprod(this.cfg)
    this.finalAlpha = this.cfg.set_alpha_to_one ? 1 : this.alphas[0]!
  }

  abstract setTimesteps(steps: number): void
  abstract step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, noise?: () => number): Float32Array

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample
  }
}

/** ᾱ_t for t = 0..T−1 from the beta schedule. */
export function alphasCumprod(cfg: SchedulerConfig): Float64Array {
  const n = cfg.num_train_timesteps
  const out = new Float64Array(n)
  let prod = 1
  for (let i = 0; i < n; i++) {
    const frac = n === 1 ? 0 : i / (n - 1)
    const beta = cfg.beta_schedule === 'scaled_linear'
      ? (Math.sqrt(cfg.beta_start) + frac * (Math.sqrt(cfg.beta_end) - Math.sqrt(cfg.beta_start))) ** 2
      : cfg.beta_start + frac * (cfg.beta_end - cfg.beta_start)
    prod *= 1 - beta
    out[i] = prod
  }
  return out
}

/** Timesteps (descending) for a spacing rule, as diffusers' `set_timesteps` computes them. */
export function spacedTimesteps(cfg: SchedulerConfig, steps: number): number[] {
  const T = cfg.num_train_timesteps
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new Error(`steps must be 1..${T}, got ${steps}`)
  const out: number[] = []
  if (cfg.timestep_spacing === 'linspace') {
    for (let i = 0; i < steps; i++) out.push(steps === 1 ? 0 : (i * (T - 1)) / (steps - 1))
    return out.reverse()
  }
  if (cfg.timestep_spacing === 'leading') {
    const ratio = Math.floor(T / steps)
    for (let i = 0; i < steps; i++) out.push(Math.round(i * ratio) + cfg.steps_offset)
    return out.reverse()
  }
  const ratio = T / steps
  for (let t = T; t > 0 && out.length < steps; t -= ratio) out.push(Math.round(t) - 1)
  return out
}

/** Linear interpolation of σ(t) between integer timesteps (numpy.interp over 0..T−1). */
export function interpSigma(sigmas: Float64Array, t: number): number {
  const lo = Math.max(0, Math.min(sigmas.length - 1, Math.floor(t)))
  const hi = Math.min(sigmas.length - 1, lo + 1)
  const w = t - lo
  return sigmas[lo]! * (1 - w) + sigmas[hi]! * w
}

/** x0 and ε from the model output, whatever the model predicts. */
export function predictX0Eps(pred: SchedulerConfig['prediction_type'], out: number, x: number, alpha: number): [number, number] {
  const a = Math.sqrt(alpha)
  const b = Math.sqrt(1 - alpha)
  if (pred === 'epsilon') return [(x - b * out) / a, out]
  if (pred === 'sample') return [out, (x - a * out) / b]
  return [a * x - b * out, a * out + b * x] // v_prediction
}
