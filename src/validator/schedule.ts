/** When the validator sets weights / re-syncs (docs/ARCHITECTURE.md § Challenges and scoring): more than `epochLength` blocks since its last update. */
export function blocksSinceLastUpdate(block: number, lastUpdate: readonly number[], selfUid: number): number {
  const last = lastUpdate[selfUid] ?? 0
  return block - last
}

export function shouldSetWeights(opts: {
  block: number
  lastUpdate: readonly number[]
  selfUid: number
  epochLength: number
  step: number
  disabled?: boolean
}): boolean {
  if (opts.disabled) return false
  // The first step has no scores worth setting yet.
  if (opts.step === 0) return false
  return blocksSinceLastUpdate(opts.block, opts.lastUpdate, opts.selfUid) > opts.epochLength
}
