/**
 * The bittensor SDK release whose wire protocol we speak. Its `version_as_int` goes into the dendrite/axon
 * `version` headers; axons ≥ 7.2.0 apply the time-window nonce rule to callers at or above 7002000.
 */
export const BITTENSOR_PROTOCOL_VERSION = '9.7.0'

/** Σ part·1000^i over the reversed `major.minor.patch` (7.3.0 → 7003000), as the SDK's `version_as_int`. */
export function versionAsInt(version: string): number {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10))
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 999)) {
    throw new Error(`version "${version}" is not major.minor.patch`)
  }
  return parts[0]! * 1_000_000 + parts[1]! * 1_000 + parts[2]!
}

export const PROTOCOL_VERSION_INT = versionAsInt(BITTENSOR_PROTOCOL_VERSION)

/** Axons accept the time-window nonce rule from this dendrite version on (SDK `V_7_2_0`). */
export const NONCE_WINDOW_MIN_VERSION = 7_002_000
