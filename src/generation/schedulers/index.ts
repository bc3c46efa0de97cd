import type {Scheduler} from './common.js'
import {DdimScheduler} from './ddim.js'
import {EulerScheduler} from './euler.js'
import {LcmScheduler} from './lcm.js'

export {parseSchedulerConfig, schedulerConfigSchema, type SchedulerConfig} from './config.js'
export {alphasCumprod, spacedTimesteps, type Scheduler} from './common.js'
export {DdimScheduler, EulerScheduler, LcmScheduler}

export const SCHEDULERS = ['euler', 'euler-ancestral', 'ddim', 'lcm'] as const
export type SchedulerName = (typeof SCHEDULERS)[number]

/** Build a scheduler by name, or from the `_class_name` of a `scheduler_config.json`. */
export function createScheduler(config: Record<string, unknown>, name?: SchedulerName): Scheduler {
  const cls = String(config._class_name ?? '')
  const chosen: SchedulerName = name
    ?? (cls.startsWith('LCM') ? 'lcm' : cls.startsWith('DDIM') ? 'ddim' : cls.startsWith('EulerAncestral') ? 'euler-ancestral' : 'euler')
  switch (chosen) {
    case 'euler': return new EulerScheduler(config)
    case 'euler-ancestral': return new EulerScheduler(config, true)
    case 'ddim': return new DdimScheduler(config)
    case 'lcm': return new LcmScheduler(config)
  }
}
