import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {Counter, Gauge, Histogram, Registry} from 'prom-client'

/*
 * One-line makers for the Prometheus metrics every neuron keeps in its own registry (so tests and the demo can run
 * several neurons in a process).
 */
export function counter<L extends string = string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter({name, help, labelNames, registers: [registry]})
}

export function gauge<L extends string = string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge({name, help, labelNames, registers: [registry]})
}

export function histogram<L extends string = string>(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labelNames: readonly L[] = [],
): Histogram<L> {
  return new Histogram({name, help, buckets, labelNames, registers: [registry]})
}

/** Axon metrics: requests by synapse and status, latency, and why verification refused callers. */
export class AxonMetrics {
  readonly requests: Counter<'synapse' | 'status'>
  readonly latency: Histogram<'synapse'>
  readonly verificationFailures: Counter<'reason'>

  constructor(readonly registry: Registry = new Registry()) {
    this.requests = counter(registry, 'bitmind_axon_requests_total', 'axon requests by synapse and HTTP status', ['synapse', 'status'])
    const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 12]
    this.latency = histogram(registry, 'bitmind_axon_request_seconds', 'axon request latency, receipt to answer', buckets, ['synapse'])
    this.verificationFailures = counter(registry, 'bitmind_axon_verification_failures_total', 'requests refused before the forward, by reason', ['reason'])
  }
}

export interface MetricsServer {
  port: number
  /** the address it is bound to */
  host: string
  /** `http://host:port/metrics` */
  url: string
  close(): Promise<void>
}

/**
 * Serves `GET /metrics` of a registry on `port` and `host`. Loopback only unless told otherwise:
 * exposing the metrics to a network is the operator's choice.
 */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end()
      return
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, {'content-type': registry.contentType}).end(body))
      .catch((err: Error) => res.writeHead(500).end(err.message))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const addr = server.address() as AddressInfo
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    port: addr.port,
    host: addr.address,
    url: `http://${urlHost}:${addr.port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
