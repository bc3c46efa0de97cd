/** A PyTorch-style state_dict: names and shapes exactly as torch writes them (conv weights OIHW, linear [out, in]). */
export type StateDict = Map<string, {shape: number[]; data: Float32Array}>

export class StateDictMismatchError extends Error {
  constructor(readonly missing: string[], readonly unexpected: string[], readonly wrongShape: string[]) {
    const parts: string[] = []
    const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} … (+${xs.length - 8})` : xs.join(', '))
    if (missing.length) parts.push(`missing keys: ${list(missing)}`)
    if (unexpected.length) parts.push(`unexpected keys: ${list(unexpected)}`)
    if (wrongShape.length) parts.push(`shape mismatch: ${list(wrongShape)}`)
    super(`state_dict does not fit the network (${parts.join('; ')})`)
    this.name = 'StateDictMismatchError'
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
