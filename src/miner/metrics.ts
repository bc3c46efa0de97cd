import {Counter, Gauge, Histogram, Registry} from 'prom-client'

/** Prometheus metrics of a miner (served with the protocol's serveMetrics). */
export class MinerMetrics {
  readonly registry = new Registry()
  readonly requests = new Counter({
    name: 'bitmind_miner_requests_total',
    help: 'ImageSynapse requests answered, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  })
  readonly predictSeconds = new Histogram({
    name: 'bitmind_miner_predict_seconds',
    help: 'time from request to prediction (decode + batch wait + model)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  })
  readonly batchSize = new Histogram({
    name: 'bitmind_miner_batch_size',
    help: 'images per model call',
    buckets: [1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  })
  readonly modelGeneration = new Gauge({name: 'bitmind_miner_model_generation', help: 'how many times the model was (re)loaded', registers: [this.registry]})
  readonly reloadFailures = new Counter({name: 'bitmind_miner_model_reload_failures_total', help: 'replacement model files that failed to load', registers: [this.registry]})
}
