import {z} from 'zod'

/** The part of diffusers' `scheduler_config.json` our schedulers read (unknown keys are ignored). */
export const schedulerConfigSchema = z.object({
  _class_name: z.string().optional(),
  num_train_timesteps: z.number().int().positive().default(1000),
  beta_start: z.number().positive().default(0.00085),
  beta_end: z.number().positive().default(0.012),
  beta_schedule: z.enum(['scaled_linear', 'linear']).default('scaled_linear'),
  timestep_spacing: z.enum(['linspace', 'leading', 'trailing']).default('leading'),
  steps_offset: z.number().int().min(0).default(0),
  prediction_type: z.enum(['epsilon', 'v_prediction', 'sample']).default('epsilon'),
  set_alpha_to_one: z.boolean().default(false),
  original_inference_steps: z.number().int().positive().default(50),
  timestep_scaling: z.number().default(10),
})

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>

export function parseSchedulerConfig(json: unknown): SchedulerConfig {
  return schedulerConfigSchema.parse(json ?? {})
}
