import type {KeyringPair} from '@polkadot/keyring/types'

import {Dendrite} from '../protocol/index.js'

/**
 * Dendrites lent to one request at a time. An axon wants each `hotkey:uuid` pair's nonces strictly increasing; two
 * concurrent requests from one dendrite can reach a miner out of order and the later nonce would refuse the earlier.
 * A dendrite per in-flight request (each with its own uuid) keeps every pair sequential.
 */
export class DendritePool {
  private readonly idle: Dendrite[] = []
  private readonly all: Dendrite[] = []

  constructor(private readonly keypair: KeyringPair) {}

  async use<T>(fn: (d: Dendrite) => Promise<T>): Promise<T> {
    let d = this.idle.pop()
    if (!d) {
      d = new Dendrite({keypair: this.keypair})
      this.all.push(d)
    }
    try {
      return await fn(d)
    } finally {
      this.idle.push(d)
    }
  }

  close(): void {
    for (const d of this.all) d.close()
    this.all.length = 0
    this.idle.length = 0
  }
}
