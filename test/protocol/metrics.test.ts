import {describe, expect, it} from '@jest/globals'
import {Registry} from 'prom-client'

import {Axon, Dendrite, ImageSynapse, serveMetrics} from '../../src/protocol/index.js'
import {devPair, jpegBase64} from './helpers.js'

describe('axon metrics on --metrics.port', () => {
  it('counts requests by status, latency and verification failures by reason, served over HTTP', async () => {
    const [bob, alice, mallory] = await Promise.all([devPair('//Bob'), devPair('//Alice'), devPair('//Mallory')])
    const registry = new Registry()
    const axon = new Axon({
      hotkey: bob, port: 0, ip: '127.0.0.1', registry,
      blacklist: (caller) => ({blocked: caller === mallory.address, reason: 'unregistered'}),
    })
    axon.attach(ImageSynapse, async (s) => ({...s, prediction: 0.5}))
    await axon.start()
    const metrics = await serveMetrics(registry, 0, '127.0.0.1')
    const target = {ip: '127.0.0.1', port: axon.port, hotkey: bob.address}
    const image = await jpegBase64()
    const good = new Dendrite({keypair: alice})
    const bad = new Dendrite({keypair: mallory})
    try {
      await good.query([target, target], ImageSynapse, {image})
      const [refused] = await bad.query([target], ImageSynapse, {image})
      expect(refused!.statusCode).toBe(403)
      const unsigned = await fetch(`http://127.0.0.1:${axon.port}/ImageSynapse`, {method: 'POST', body: '{}'})
      expect(unsigned.status).toBe(401)

      const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`)
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).toContain('bitmind_axon_requests_total{synapse="ImageSynapse",status="200"} 2')
      expect(text).toContain('bitmind_axon_requests_total{synapse="ImageSynapse",status="403"} 1')
      expect(text).toContain('bitmind_axon_requests_total{synapse="ImageSynapse",status="401"} 1')
      expect(text).toContain('bitmind_axon_verification_failures_total{reason="blacklisted"} 1')
      expect(text).toContain('bitmind_axon_verification_failures_total{reason="unsigned"} 1')
      expect(text).toContain('bitmind_axon_request_seconds_count{synapse="ImageSynapse"} 4')
      expect((await fetch(`http://127.0.0.1:${metrics.port}/other`)).status).toBe(404)
    } finally {
      good.close()
      bad.close()
      await metrics.close()
      await axon.stop()
    }
  })

  it('listens on loopback unless another host is given, and names the address it is bound to', async () => {
    const registry = new Registry()
    const local = await serveMetrics(registry, 0)
    const all = await serveMetrics(registry, 0, '0.0.0.0')
    try {
      expect(local.host).toBe('127.0.0.1')
      expect(local.url).toBe(`http://127.0.0.1:${local.port}/metrics`)
      expect((await fetch(local.url)).status).toBe(200)
      expect(all.host).toBe('0.0.0.0')
      expect(all.url).toBe(`http://0.0.0.0:${all.port}/metrics`)
    } finally {
      await local.close()
      await all.close()
    }
  })
})
