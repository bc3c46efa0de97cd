import {describe, expect, it} from '@jest/globals'

import {resolveEndpoint} from '../../src/cli/networks.js'

describe('resolveEndpoint', () => {
  it('maps btcli network names', () => {
    expect(resolveEndpoint('finney')).toBe('wss://entrypoint-finney.opentensor.ai:443')
    expect(resolveEndpoint('test')).toBe('wss://test.finney.opentensor.ai:443')
    expect(resolveEndpoint('local')).toBe('ws://127.0.0.1:9944')
  })
  it('takes a URL as the network and lets the explicit endpoint win', () => {
    expect(resolveEndpoint('ws://10.0.0.1:9944')).toBe('ws://10.0.0.1:9944')
    expect(resolveEndpoint('finney', 'ws://127.0.0.1:1234')).toBe('ws://127.0.0.1:1234')
  })
  it('names the bad value', () => {
    expect(() => resolveEndpoint('mainnet')).toThrow(/unknown --subtensor.network "mainnet"/)
    expect(() => resolveEndpoint('finney', 'http://x')).toThrow(/--subtensor.chain_endpoint "http:\/\/x"/)
  })
})
