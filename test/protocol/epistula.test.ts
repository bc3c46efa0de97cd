import {readFileSync} from 'node:fs'

import {describe, expect, it} from '@jest/globals'

import {syntheticProbability} from '../../src/protocol/epistula-client.js'
import {EpistulaRefusal, ReplayCache, parseEpistulaHeaders, secretMessages, type EpistulaRequest} from '../../src/protocol/epistula.js'

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/protocol/epistula-v2-request.json', import.meta.url), 'utf8')) as {
  headers: Record<string, string>
  secret_messages: string[]
  signed_for: string
}
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    if (err instanceof EpistulaRefusal) return {status: err.status, reason: err.reason, message: err.message}
    throw err
  }
  return undefined
}

describe('Epistula v2 pieces', () => {
  it('parses the fixture headers (zod) and names the bad one', () => {
    const req = parseEpistulaHeaders(lower(FIXTURE.headers))
    expect(req.timestamp).toBe(Number(FIXTURE.headers['Epistula-Timestamp']))
    expect(req.signedFor).toBe(FIXTURE.signed_for)
    expect(refusal(() => parseEpistulaHeaders({...lower(FIXTURE.headers), 'epistula-timestamp': '12.5'}))).toMatchObject({status: 400, message: expect.stringMatching(/epistula-timestamp: not an integer/)})
    expect(refusal(() => parseEpistulaHeaders({...lower(FIXTURE.headers), 'epistula-request-signature': 'abc'}))).toMatchObject({status: 400, message: expect.stringMatching(/epistula-request-signature/)})
    expect(refusal(() => parseEpistulaHeaders({...lower(FIXTURE.headers), 'epistula-version': '1'}))).toMatchObject({status: 400, reason: 'version'})
  })

  it('builds the secret-signature messages as Python prints its float interval', () => {
    const ts = Number(FIXTURE.headers['Epistula-Timestamp'])
    expect(secretMessages(ts, FIXTURE.signed_for)).toEqual(FIXTURE.secret_messages)
    // an exact multiple of 10 s is its own interval
    expect(secretMessages(1_764_633_610_000, 'x')).toEqual(['1764633609999.0.x', '1764633610000.0.x', '1764633610001.0.x'])
  })

  it('remembers uuids per signer for the window, then forgets them; refuses (503) rather than evict live ones', () => {
    const cache = new ReplayCache(2)
    const req = (uuid: string, signedBy = 'a', timestamp = 1000): EpistulaRequest => ({uuid, signedBy, timestamp, signedFor: 'm', signature: ''})
    cache.admit(req('u1'), 1000, 15_000)
    expect(refusal(() => cache.admit(req('u1'), 2000, 15_000))).toMatchObject({status: 409, reason: 'replay'})
    cache.admit(req('u1', 'b'), 2000, 15_000) // same uuid, other signer: a different request
    expect(refusal(() => cache.admit(req('u2'), 3000, 15_000))).toMatchObject({status: 503})
    // once the window has passed the old entries go, and the clock check refuses their timestamps anyway
    cache.admit(req('u2', 'a', 20_000), 20_000, 15_000)
    expect(cache.size).toBe(1)
  })

  it('turns class probabilities into p(synthetic), semisynthetic counted as synthetic', () => {
    expect(syntheticProbability([0.2, 0.8])).toBeCloseTo(0.8, 12)
    expect(syntheticProbability([0.5, 0.3, 0.2])).toBeCloseTo(0.5, 12)
    expect(syntheticProbability([2, 6])).toBeCloseTo(0.75, 12) // unnormalised scores are normalised
    expect(syntheticProbability([0, 0])).toBeUndefined()
    expect(syntheticProbability([-1, 0.5])).toBeUndefined()
    expect(syntheticProbability([1])).toBeUndefined()
  })
})
