import {randomUUID} from 'node:crypto'
import http from 'node:http'

import type {KeyringPair} from '@polkadot/keyring/types'
import pLimit from 'p-limit'

import {CONNECT_ERRORS, postBytes, type PostReply} from './http-io.js'
import {pyFloatStr} from './py-format.js'
import {dendriteMessage, signingReady, signMessage, timeNs} from './signing.js'
import {
  bodyHash, fromJsonBody, setTotalSize, newSynapse, ownFields, parseHeaders, toHeaders, toJsonBody, type Synapse, type SynapseType,
} from './synapse.js'
import {PROTOCOL_VERSION_INT} from './version.js'

export interface AxonTarget {
  ip: string
  port: number
  hotkey: string
  uid?: number
}

export interface DendriteResult<F extends Record<string, unknown>> {
  target: AxonTarget
  /** HTTP-like status as a Python dendrite reports it: 200 ok; 503 unreachable, 408 timeout, 422 bad answer, else the axon's. */
  statusCode: number
  statusMessage: string
  /** Seconds from send to answer (or failure). */
  processTime: number
  /** The miner's synapse when statusCode is 200 (validated against the synapse type), else undefined. */
  synapse?: Synapse<F>
}

export interface DendriteOptions {
  keypair: KeyringPair
  /** IP this dendrite announces in its headers (axons replace it with the address they see). */
  externalIp?: string
  /** Concurrent requests across all axons (default 64). */
  concurrency?: number
  /** Largest answer accepted (default 24 MiB): a bigger one is a failed result. */
  maxResponseBytes?: number
  /** Fixed dendrite uuid (default: a random one per instance, as the SDK does). */
  uuid?: string
}

export interface QueryOptions {
  timeoutS?: number
}

/** Signs and sends synapses to axons as the Python SDK's dendrite does; never throws for a bad peer. */
export class Dendrite {
  readonly uuid: string
  private readonly agent: http.Agent
  private readonly limit: ReturnType<typeof pLimit>
  private readonly maxResponse: number

  constructor(private readonly opts: DendriteOptions) {
    this.uuid = opts.uuid ?? randomUUID()
    this.agent = new http.Agent({keepAlive: true, maxSockets: 256})
    this.limit = pLimit(opts.concurrency ?? 64)
    this.maxResponse = opts.maxResponseBytes ?? 24 * 1024 * 1024
  }

  get hotkey(): string {
    return this.opts.keypair.address
  }

  /** The signed request a Python dendrite would send for `fields` to `target` (exposed for wire tests). */
  prepare<F extends Record<string, unknown>>(type: SynapseType<F>, fields: Partial<F>, target: AxonTarget, timeoutS: number, nonce = timeNs()) {
    const synapse = newSynapse(type, fields)
    synapse.timeout = timeoutS
    synapse.dendrite = {ip: this.opts.externalIp ?? '127.0.0.1', version: PROTOCOL_VERSION_INT, nonce, uuid: this.uuid, hotkey: this.hotkey}
    synapse.axon = {ip: target.ip, port: target.port, hotkey: target.hotkey}
    synapse.computed_body_hash = bodyHash(type, ownFields(type, synapse))
    const message = dendriteMessage({nonce, dendriteHotkey: this.hotkey, axonHotkey: target.hotkey, uuid: this.uuid, bodyHash: synapse.computed_body_hash})
    synapse.dendrite.signature = signMessage(this.opts.keypair, message)
    // Python fills total_size while building the headers, before it dumps the body; ours is the body's size.
    setTotalSize(type, synapse)
    const body = toJsonBody(type, synapse)
    const headers = toHeaders(type, synapse, synapse.total_size)
    return {synapse, body, headers, message}
  }

  async query<F extends Record<string, unknown>>(
    targets: AxonTarget[], type: SynapseType<F>, fields: Partial<F>, opts: QueryOptions = {},
  ): Promise<DendriteResult<F>[]> {
    await signingReady()
    return Promise.all(targets.map((t) => this.limit(() => this.call(t, type, fields, opts.timeoutS ?? 12))))
  }

  async call<F extends Record<string, unknown>>(target: AxonTarget, type: SynapseType<F>, fields: Partial<F>, timeoutS: number): Promise<DendriteResult<F>> {
    const started = performance.now()
    const done = (statusCode: number, statusMessage: string, synapse?: Synapse<F>): DendriteResult<F> =>
      ({target, statusCode, statusMessage, processTime: (performance.now() - started) / 1000, synapse})
    let prepared
    try {
      prepared = this.prepare(type, fields, target, timeoutS)
    } catch (err) {
      return done(422, `Failed to parse response: ${(err as Error).message}`)
    }
    const url = `http://${target.ip.includes(':') ? `[${target.ip}]` : target.ip}:${target.port}/${type.name}`
    let reply: PostReply
    try {
      reply = await postBytes(url, Buffer.from(prepared.body), {
        agent: this.agent, headers: {...prepared.headers, 'content-type': 'application/json'}, timeoutS, maxResponse: this.maxResponse,
      })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      // The Python dendrite's DENDRITE_ERROR_MAPPING: connect failures 503, timeouts 408, anything else 422.
      if (e.name === 'TimeoutError') return done(408, `Request timeout after ${pyFloatStr(timeoutS)} seconds`)
      if (CONNECT_ERRORS.has(e.code ?? '')) return done(503, `Service unavailable at ${target.ip}:${target.port}/${type.name}`)
      return done(422, `Failed to parse response: ${e.message}`)
    }
    if (reply.status !== 200) {
      let message = `HTTP ${reply.status}`
      try {
        const parsed = JSON.parse(reply.body) as {message?: unknown}
        if (typeof parsed.message === 'string') message = parsed.message
      } catch {
        // not JSON: keep the status line
      }
      return done(reply.status, message)
    }
    try {
      const synapse = fromJsonBody(type, reply.body)
      const server = parseHeaders(reply.headers)
      synapse.axon = {...synapse.axon, ...dropNull(server.axon)}
      return done(200, synapse.axon.status_message ?? 'Success', synapse)
    } catch (err) {
      return done(422, `Failed to parse response: ${(err as Error).message.split('\n')[0]}`)
    }
  }

  close(): void {
    this.agent.destroy()
  }
}

function dropNull<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>
}
