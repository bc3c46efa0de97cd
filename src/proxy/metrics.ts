import {Registry} from 'prom-client'

import {counter, histogram} from '../protocol/metrics.js'

/** Prometheus metrics of the proxy; one registry per proxy so a validator's own metrics stay apart. */
export class ProxyMetrics {
  readonly registry = new Registry()
  readonly requests = counter(this.registry, 'bitmind_proxy_requests_total', 'HTTP requests by route and status', ['route', 'status'])
  readonly latency = histogram(this.registry, 'bitmind_proxy_request_seconds', 'HTTP request latency, receipt to answer, by route', [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20,
  ], ['route'])
  readonly answered = histogram(this.registry, 'bitmind_proxy_miners_answered', 'miners whose prediction counted, per detect request', [0, 1, 2, 3, 5, 10, 20, 50])
  readonly minerResults = counter(this.registry, 'bitmind_proxy_miner_results_total', 'miner answers to detect requests, by outcome', ['status'])
}
