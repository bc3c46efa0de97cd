import {Counter, Gauge, Histogram, Registry} from 'prom-client'

/** Prometheus metrics of a validator; one registry per neuron so tests and the demo can run several in a process. */
export class ValidatorMetrics {
  readonly registry = new Registry()
  readonly steps = new Counter({name: 'bitmind_validator_steps_total', help: 'validator steps run', registers: [this.registry]})
  readonly challenges = new Counter({
    name: 'bitmind_validator_challenges_total',
    help: 'challenges sent, by label',
    labelNames: ['label'],
    registers: [this.registry],
  })
  readonly stepAccuracy = new Gauge({name: 'bitmind_validator_step_accuracy', help: 'share of queried miners rewarded in the last step', registers: [this.registry]})
  readonly minerScore = new Gauge({name: 'bitmind_validator_miner_score', help: 'moving-average score per uid', labelNames: ['uid'], registers: [this.registry]})
  readonly responses = new Counter({
    name: 'bitmind_validator_responses_total',
    help: 'miner responses by status code',
    labelNames: ['status'],
    registers: [this.registry],
  })
  readonly latency = new Histogram({
    name: 'bitmind_validator_response_seconds',
    help: 'miner response time as the dendrite saw it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 9, 12],
    registers: [this.registry],
  })
  readonly weightsSet = new Counter({
    name: 'bitmind_validator_weight_sets_total',
    help: 'weight submissions by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  })
}
