import {Counter, Histogram, Registry} from 'prom-client'

/** Prometheus metrics of the proxy; one registry per proxy so a validator's own metrics stay apart. */
export class ProxyMetrics {
  readonly registry = new Registry()
  readonly requests = new Counter({
    name: 'bitmind_proxy_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  })
  readonly latency = new Histogram({
    name: 'bitmind_proxy_request_seconds',
    help: 'HTTP request latency, receipt to answer, by route',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [this.registry],
  })
  readonly answered = new Histogram({
    name: 'bitmind_proxy_miners_answered',
    help: 'miners whose prediction counted, per detect request',
    buckets: [0, 1, 2, 3, 5, 10, 20, 50],
    registers: [this.registry],
  })
  readonly minerResults = new Counter({
    name: 'bitmind_proxy_miner_results_total',
    help: 'miner answers to detect requests, by outcome',
    labelNames: ['status'],
    registers: [this.registry],
  })
}
