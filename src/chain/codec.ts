import type {ApiPromise} from '@polkadot/api'

/** The two views of a polkadot codec the reads use. */
export type Codec = {toString(): string; toJSON(): unknown}

export const num = (c: unknown): number => Number((c as Codec).toString())
export const arr = (c: unknown): number[] => ((c as Codec).toJSON() as (number | string)[]).map(Number)

/** A SubtensorModule storage read, or undefined where this runtime has no such item (older and newer runtimes differ). */
export async function readStorage(api: ApiPromise, name: string, ...args: unknown[]): Promise<unknown> {
  const fn = api.query.subtensorModule![name]
  return typeof fn === 'function' ? fn(...args) : undefined
}
