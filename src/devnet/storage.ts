import type {TypeRegistry} from '@polkadot/types'
import type {DecoratedMeta} from '@polkadot/types/metadata/decorate/types'
import type {StorageEntry} from '@polkadot/types/primitive/types'
import type {Codec} from '@polkadot/types/types'
import {compactStripLength, hexToU8a, u8aToHex} from '@polkadot/util'
import {lookupType} from './metadata.js'

/**
 * The devnet's state: storage key (hex) → SCALE value (hex), exactly what `state_getStorage` serves. Typed access
 * goes through the metadata's decorated storage entries, so keys and value encodings are the runtime's own.
 */
export class Storage {
  readonly map: Map<string, string>

  constructor(
    readonly registry: TypeRegistry,
    readonly decorated: DecoratedMeta,
    entries?: Iterable<[string, string]>,
  ) {
    this.map = new Map(entries)
  }

  entry(section: string, item: string): StorageEntry {
    const e = this.decorated.query[section]?.[item]
    if (!e) throw new Error(`storage ${section}.${item} is not in the metadata`)
    return e
  }

  key(section: string, item: string, ...args: unknown[]): string {
    const e = this.entry(section, item)
    const raw = e.meta.type.isPlain ? e() : e(...args)
    return u8aToHex(compactStripLength(raw)[1])
  }

  /** Hex prefix of a map (optionally with its first key part), for iteration. */
  prefix(section: string, item: string, first?: unknown): string {
    const e = this.entry(section, item)
    return u8aToHex(first === undefined ? e.keyPrefix() : e.keyPrefix(first))
  }

  private valueType(section: string, item: string): string {
    const t = this.entry(section, item).meta.type
    return lookupType(this.registry, t.isPlain ? t.asPlain : t.asMap.value)
  }

  /** The stored value, or the entry's default when absent; `undefined` for an absent optional entry. */
  get<T extends Codec = Codec>(section: string, item: string, ...args: unknown[]): T | undefined {
    const e = this.entry(section, item)
    const hex = this.map.get(this.key(section, item, ...args))
    const type = this.valueType(section, item)
    if (hex !== undefined) return this.registry.createTypeUnsafe<T>(type, [hexToU8a(hex)])
    if (e.meta.modifier.isOptional) return undefined
    return this.registry.createTypeUnsafe<T>(type, [e.meta.fallback.toU8a(true)])
  }

  /** Convenience: a value as plain JSON-ish data (numbers for small ints, strings for accounts). */
  read(section: string, item: string, ...args: unknown[]): unknown {
    return this.get(section, item, ...args)?.toJSON()
  }

  num(section: string, item: string, ...args: unknown[]): number {
    const v = this.get(section, item, ...args)
    return v === undefined ? 0 : Number((v as unknown as {toBigInt?: () => bigint}).toBigInt?.() ?? v.toJSON())
  }

  big(section: string, item: string, ...args: unknown[]): bigint {
    const v = this.get(section, item, ...args) as unknown as {toBigInt(): bigint} | undefined
    return v === undefined ? 0n : v.toBigInt()
  }

  set(section: string, item: string, args: unknown[], value: unknown): void {
    const type = this.valueType(section, item)
    this.map.set(this.key(section, item, ...args), u8aToHex(this.registry.createTypeUnsafe(type, [value]).toU8a()))
  }

  delete(section: string, item: string, ...args: unknown[]): void {
    this.map.delete(this.key(section, item, ...args))
  }

  keysWithPrefix(prefix: string): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort()
  }

  snapshot(): Map<string, string> {
    return new Map(this.map)
  }
}
