import {describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {alphasCumprod, createScheduler, DdimScheduler, EulerScheduler, LcmScheduler, parseSchedulerConfig, spacedTimesteps} from '../../src/generation/schedulers/index.js'

const TURBO = {timestep_spacing: 'trailing', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012}
const close = (got: number[], want: number[], tol = 1e-4) => {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(tol))
}

describe('schedulers (golden values from the diffusers formulas)', () => {
  it('Euler trailing N=4: timesteps, sigmas, init sigma, scale_model_input', () => {
    const s = new EulerScheduler(TURBO)
    s.setTimesteps(4)
    expect(s.timesteps).toEqual([999, 749, 499, 249])
    close(s.sigmas, [14.6147, 4.0817, 1.6129, 0.6932, 0])
    // trailing/linspace spacing: the initial noise is σ_max itself
    close([s.initNoiseSigma], [14.6147])
    const scaled = s.scaleModelInput(new Float32Array([14.648828]), 0)
    close([scaled[0]!], [1], 1e-5) // divided by √(σ_max² + 1) = 14.648828
  })

  it('one Euler step moves x by ε·(σ_next − σ)', () => {
    const s = new EulerScheduler(TURBO)
    s.setTimesteps(4)
    const x = new Float32Array([1, -2])
    const eps = new Float32Array([0.5, 0.25])
    const next = s.step(eps, 0, x)
    close(Array.from(next), [1 + 0.5 * (4.0817 - 14.6147), -2 + 0.25 * (4.0817 - 14.6147)], 2e-4)
    // the last step lands on x0 = x − σ·ε
    const lastStep = s.step(eps, 3, x)
    close(Array.from(lastStep), [1 - 0.6932 * 0.5, -2 - 0.6932 * 0.25], 2e-4)
  })

  it('Euler ancestral N=4: σ_up and σ_down of the first step', () => {
    const s = new EulerScheduler(TURBO, true)
    s.setTimesteps(4)
    const {up, down} = s.ancestralSigmas(0)
    close([up, down], [3.9193, 1.14], 1e-4)
    expect(() => s.step(new Float32Array(1), 0, new Float32Array(1))).toThrow(/noise source/)
  })

  it('LCM N=4 timesteps and a final step that returns the boundary-scaled x0', () => {
    const s = new LcmScheduler({})
    s.setTimesteps(4)
    expect(s.timesteps).toEqual([999, 759, 499, 259])
    const a = alphasCumprod(parseSchedulerConfig({}))[259]!
    const {cSkip, cOut} = s.boundaryScalings(259)
    const x = 0.3, eps = -0.2
    const x0 = (x - Math.sqrt(1 - a) * eps) / Math.sqrt(a)
    close([s.step(new Float32Array([eps]), 3, new Float32Array([x]))[0]!], [cOut * x0 + cSkip * x], 1e-5)
  })

  it('DDIM leading spacing with steps_offset 1 (SD 1.5) and a deterministic step', () => {
    expect(spacedTimesteps(parseSchedulerConfig({timestep_spacing: 'leading', steps_offset: 1}), 10))
      .toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1])
    const d = new DdimScheduler({timestep_spacing: 'leading', steps_offset: 1, set_alpha_to_one: false})
    d.setTimesteps(10)
    const ac = alphasCumprod(parseSchedulerConfig({}))
    const x = 0.7, eps = 0.1
    const x0 = (x - Math.sqrt(1 - ac[901]!) * eps) / Math.sqrt(ac[901]!)
    const want = Math.sqrt(ac[801]!) * x0 + Math.sqrt(1 - ac[801]!) * eps
    close([d.step(new Float32Array([eps]), 0, new Float32Array([x]))[0]!], [want], 1e-5)
  })

  it('linspace spacing and scheduler selection from scheduler_config.json', () => {
    close(spacedTimesteps(parseSchedulerConfig({timestep_spacing: 'linspace'}), 3), [999, 499.5, 0])
    expect(createScheduler({_class_name: 'LCMScheduler'}).name).toBe('lcm')
    expect(createScheduler({_class_name: 'EulerAncestralDiscreteScheduler'}).name).toBe('euler-ancestral')
    expect(createScheduler({_class_name: 'DDIMScheduler'}).name).toBe('ddim')
    expect(createScheduler({_class_name: 'EulerDiscreteScheduler'}).name).toBe('euler')
    expect(() => parseSchedulerConfig({timestep_spacing: 'sideways'})).toThrow()
    // an ancestral step with a seeded noise source is repeatable
    const e = new EulerScheduler(TURBO, true)
    e.setTimesteps(4)
    const one = e.step(new Float32Array([0.1]), 0, new Float32Array([1]), createRng(3))
    const two = e.step(new Float32Array([0.1]), 0, new Float32Array([1]), createRng(3))
    expect(one).toEqual(two)
  })
})
