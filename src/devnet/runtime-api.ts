import type {Codec} from '@polkadot/types/types'
import {compactAddLength, compactFromU8a, hexToU8a, u8aConcat, u8aToHex} from '@polkadot/util'

import type {Chain} from './chain.js'
import {lookupType} from './metadata.js'

export type ApiHandler = (chain: Chain, args: Codec[]) => unknown

/**
 * `state_call` runtime APIs: inputs are decoded and outputs encoded with the types the V15 metadata gives each
 * method, so the client's `api.call.*` decodes them with no custom types.
 */
export class RuntimeApis {
  private readonly handlers = new Map<string, ApiHandler>()

  constructor(private readonly chain: Chain) {}

  register(name: string, fn: ApiHandler): void {
    this.handlers.set(name, fn)
  }

  names(): string[] {
    return [...this.handlers.keys()]
  }

  private method(name: string) {
    const i = name.indexOf('_')
    const api = name.slice(0, i)
    const method = name.slice(i + 1)
    const a = this.chain.meta.metadata.asV15.apis.find((x) => x.name.toString() === api)
    return a?.methods.find((m) => m.name.toString() === method)
  }

  call(name: string, dataHex: string): string {
    const registry = this.chain.registry
    const meta = this.method(name)
    const fn = this.handlers.get(name)
    if (!meta || !fn) throw new Error(`runtime API ${name} is not implemented by the bitmind devnet`)
    // decode the inputs one after another (a tuple type string of lookup names does not resolve in the registry)
    const data = hexToU8a(dataHex)
    let offset = 0
    const args = meta.inputs.map((i) => {
      const c = registry.createTypeUnsafe<Codec>(lookupType(registry, i.type), [data.subarray(offset)])
      offset += c.encodedLength
      return c
    })
    const out = fn(this.chain, args)
    if (out instanceof Uint8Array) return '0x' + Buffer.from(out).toString('hex')
    return u8aToHex(registry.createTypeUnsafe(lookupType(registry, meta.output), [out]).toU8a())
  }
}

export function coreApis(apis: RuntimeApis): void {
  apis.register('Core_version', (chain) => chain.meta.runtimeVersion)
  apis.register('Metadata_metadata_versions', () => [14, 15])
  apis.register('Metadata_metadata', (chain) => compactAddLength(hexToU8a(chain.meta.v14Hex)))
  apis.register('Metadata_metadata_at_version', (chain, [v]) => {
    const version = Number(v!.toString())
    if (version === 15) return hexToU8a(chain.meta.v15OptionHex)
    if (version === 14) return u8aConcat(new Uint8Array([1]), compactAddLength(hexToU8a(chain.meta.v14Hex)))
    return new Uint8Array([0])
  })
  apis.register('AccountNonceApi_account_nonce', (chain, [who]) => chain.nextIndex(who!.toString()))
  apis.register('TransactionPaymentApi_query_info', (chain, [ext]) => chain.queryInfo(opaqueExtrinsic(ext!)))
  apis.register('TransactionPaymentApi_query_fee_details', (chain, [ext]) => {
    const info = chain.queryInfo(opaqueExtrinsic(ext!))
    return {inclusionFee: {baseFee: info.partialFee, lenFee: 0, adjustedWeightFee: 0}, tip: 0}
  })
}

/** The extrinsic inside an opaque `Bytes` argument: clients send it with or without its own length prefix. */
function opaqueExtrinsic(arg: Codec): string {
  const raw = arg.toU8a(true)
  const [offset, length] = compactFromU8a(raw)
  const withPrefix = offset + length.toNumber() === raw.length && raw.length > 0
  return u8aToHex(withPrefix ? raw : compactAddLength(raw))
}
