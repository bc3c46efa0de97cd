import type {TypeRegistry} from '@polkadot/types'
import {compactToU8a, u8aConcat} from '@polkadot/util'
import {lookupType} from './metadata.js'

/** Where an event happened in the block (the runtime's `Phase`). */
export type Phase = {applyExtrinsic: number} | 'finalization' | 'initialization'

export interface DevEvent {
  phase: Phase
  /** SCALE bytes of the runtime `Event` (pallet index, variant index, fields) */
  bytes: Uint8Array
  section: string
  method: string
}

/** Encodes events and dispatch errors by their metadata names, with the pallet and variant indices of the runtime. */
export class EventCodec {
  constructor(private readonly registry: TypeRegistry) {}

  private pallet(section: string) {
    const p = this.registry.metadata.pallets.find((x) => x.name.toString() === section)
    if (!p) throw new Error(`pallet ${section} is not in the metadata`)
    return p
  }

  /** Encode `section.method(fields…)`; fields are given in metadata order as values `createType` accepts. */
  event(section: string, method: string, fields: unknown[]): {bytes: Uint8Array; section: string; method: string} {
    const p = this.pallet(section)
    if (p.events.isNone) throw new Error(`pallet ${section} has no events`)
    const def = this.registry.lookup.getSiType(p.events.unwrap().type)
    const variant = def.def.asVariant.variants.find((v) => v.name.toString() === method)
    if (!variant) throw new Error(`event ${section}.${method} is not in the metadata`)
    if (variant.fields.length !== fields.length) {
      throw new Error(`event ${section}.${method} has ${variant.fields.length} fields, got ${fields.length}`)
    }
    const encoded = variant.fields.map((f, i) =>
      this.registry.createTypeUnsafe(lookupType(this.registry, f.type), [fields[i]]).toU8a(),
    )
    return {bytes: u8aConcat(new Uint8Array([p.index.toNumber(), variant.index.toNumber()]), ...encoded), section, method}
  }

  /** `DispatchError::Module` for `section`'s error `name` (index and the 4-byte error field the runtime uses). */
  moduleError(section: string, name: string): {Module: {index: number; error: Uint8Array}} {
    const p = this.pallet(section)
    if (p.errors.isNone) throw new Error(`pallet ${section} has no errors`)
    const def = this.registry.lookup.getSiType(p.errors.unwrap().type)
    const variant = def.def.asVariant.variants.find((v) => v.name.toString() === name)
    if (!variant) throw new Error(`error ${section}.${name} is not in the metadata`)
    return {Module: {index: p.index.toNumber(), error: new Uint8Array([variant.index.toNumber(), 0, 0, 0])}}
  }

  /** `Vec<EventRecord>` as stored under System.Events. */
  records(events: DevEvent[]): Uint8Array {
    const parts = events.map((e) => {
      const phase =
        e.phase === 'finalization'
          ? new Uint8Array([1])
          : e.phase === 'initialization'
            ? new Uint8Array([2])
            : u8aConcat(new Uint8Array([0]), this.registry.createType('u32', e.phase.applyExtrinsic).toU8a())
      return u8aConcat(phase, e.bytes, new Uint8Array([0]) /* topics: empty Vec<H256> */)
    })
    return u8aConcat(compactToU8a(events.length), ...parts)
  }
}
