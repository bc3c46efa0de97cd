import fs from 'node:fs'
import path from 'node:path'

import {Metadata, TypeRegistry} from '@polkadot/types'
import {expandMetadata} from '@polkadot/types/metadata/decorate'
import type {DecoratedMeta} from '@polkadot/types/metadata/decorate/types'
import {compactStripLength, hexToU8a, u8aToHex} from '@polkadot/util'
import {blake2AsU8a} from '@polkadot/util-crypto'

import {ASSETS_DIR} from '../config/paths.js'

/** finney's runtime version at the time the metadata was recorded (spec 343). */
export const SPEC_VERSION = 343
export const TRANSACTION_VERSION = 1

/** Runtime API versions the devnet advertises (the versions finney reported for spec 343's APIs). */
const API_VERSIONS: Record<string, number> = {
  Core: 5,
  Metadata: 2,
  BlockBuilder: 6,
  TaggedTransactionQueue: 3,
  AccountNonceApi: 1,
  TransactionPaymentApi: 4,
  TransactionPaymentCallApi: 3,
}

export interface RuntimeMeta {
  registry: TypeRegistry
  metadata: Metadata
  decorated: DecoratedMeta
  /** `state_getMetadata` result (V14, hex). */
  v14Hex: string
  /** `Metadata_metadata_at_version(15)` result (`Option<OpaqueMetadata>`, hex). */
  v15OptionHex: string
  runtimeVersion: {
    specName: string
    implName: string
    authoringVersion: number
    specVersion: number
    implVersion: number
    apis: [string, number][]
    transactionVersion: number
    stateVersion: number
  }
}

let cached: {v14Hex: string; v15OptionHex: string} | undefined

function readHexFiles(): {v14Hex: string; v15OptionHex: string} {
  if (!cached) {
    const dir = path.join(ASSETS_DIR, 'subtensor-metadata')
    const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8').trim()
    cached = {v14Hex: read('finney-v14.hex.txt'), v15OptionHex: read('finney-v15-at-version.hex.txt')}
  }
  return cached
}

/**
 * A registry set up with finney's V15 metadata (a superset of V14 with the runtime APIs). The devnet uses it for
 * every encode/decode; a fresh registry per devnet keeps two devnets in one process independent.
 */
export function loadRuntimeMeta(): RuntimeMeta {
  const {v14Hex, v15OptionHex} = readHexFiles()
  const registry = new TypeRegistry()
  // Option<OpaqueMetadata>: 0x01 ‖ compact length ‖ metadata bytes
  const [, inner] = compactStripLength(hexToU8a(v15OptionHex).subarray(1))
  const metadata = new Metadata(registry, inner)
  // finney's own signed extensions carry no extrinsic or payload data (DESIGN §7); declaring them so keeps
  // @polkadot/types from warning on every devnet start
  registry.setMetadata(metadata, undefined, {
    SubtensorTransactionExtension: {extrinsic: {}, payload: {}},
    DrandPriority: {extrinsic: {}, payload: {}},
  })
  const decorated = expandMetadata(registry, metadata)
  const apis: [string, number][] = metadata.asV15.apis.map((api) => {
    const name = api.name.toString()
    return [u8aToHex(blake2AsU8a(name, 64)), API_VERSIONS[name] ?? 1]
  })
  return {
    registry,
    metadata,
    decorated,
    v14Hex,
    v15OptionHex,
    runtimeVersion: {
      specName: 'node-subtensor',
      implName: 'node-subtensor',
      authoringVersion: 1,
      specVersion: SPEC_VERSION,
      implVersion: 1,
      apis,
      transactionVersion: TRANSACTION_VERSION,
      stateVersion: 1,
    },
  }
}

/**
 * The registry name of a metadata type id. `getTypeDef` first: it makes the registry resolve the id (lookup ids
 * are registered lazily, and `createType('LookupN')` alone fails for ids nothing has resolved yet).
 */
export function lookupType(registry: TypeRegistry, id: {toNumber(): number} | number): string {
  const n = typeof id === 'number' ? id : id.toNumber()
  const def = registry.lookup.getTypeDef(n)
  // primitives by name: a LookupN alias of a primitive can end up cached as unconstructable in the registry
  if (/^(u|i)(8|16|32|64|128|256)$|^(bool|Bytes|Text|H256|AccountId32|Null)$/.test(def.type)) return def.type
  return registry.createLookupType(n)
}
