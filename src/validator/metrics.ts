import http from 'node:http'

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

/** Serve a registry at /metrics; resolves with the bound port. */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<{port: number; close: () => Promise<void>}> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end()
      return
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, {'Content-Type': registry.contentType}).end(body))
      .catch((err: Error) => res.writeHead(500).end(err.message))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
