import {Registry} from 'prom-client'

import {counter, gauge, histogram} from '../protocol/metrics.js'

/** Prometheus metrics of a miner (served with the protocol's serveMetrics). */
export class MinerMetrics {
  readonly registry = new Registry()
  readonly requests = counter(this.registry, 'bitmind_miner_requests_total', 'ImageSynapse requests answered, by outcome', ['outcome'])
  readonly predictSeconds = histogram(this.registry, 'bitmind_miner_predict_seconds', 'time from request to prediction (decode + batch wait + model)', [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5,
  ])
  readonly batchSize = histogram(this.registry, 'bitmind_miner_batch_size', 'images per model call', [1, 2, 4, 8, 16, 32])
  readonly modelGeneration = gauge(this.registry, 'bitmind_miner_model_generation', 'how many times the model was (re)loaded')
  readonly reloadFailures = counter(this.registry, 'bitmind_miner_model_reload_failures_total', 'replacement model files that failed to load')
}
