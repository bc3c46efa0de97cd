import {Registry} from 'prom-client'

import {counter, gauge, histogram} from '../protocol/metrics.js'

/** Prometheus metrics of a validator; one registry per neuron so tests and the demo can run several in a process. */
export class ValidatorMetrics {
  readonly registry = new Registry()
  readonly steps = counter(this.registry, 'bitmind_validator_steps_total', 'validator steps run')
  readonly challenges = counter(this.registry, 'bitmind_validator_challenges_total', 'challenges sent, by label', ['label'])
  readonly stepAccuracy = gauge(this.registry, 'bitmind_validator_step_accuracy', 'share of queried miners rewarded in the last step')
  readonly minerScore = gauge(this.registry, 'bitmind_validator_miner_score', 'moving-average score per uid', ['uid'])
  readonly responses = counter(this.registry, 'bitmind_validator_responses_total', 'miner responses by status code', ['status'])
  readonly latency = histogram(this.registry, 'bitmind_validator_response_seconds', 'miner response time as the dendrite saw it', [
    0.05, 0.1, 0.25, 0.5, 1, 2, 5, 9, 12,
  ])
  readonly weightsSet = counter(this.registry, 'bitmind_validator_weight_sets_total', 'weight submissions by outcome', ['outcome'])
}
