import type {ExtDef} from '@polkadot/types/extrinsic/signedExtensions/types'
import {findUnknownExtensions} from '@polkadot/types/extrinsic/signedExtensions'

/**
 * The Subtensor runtime's own transaction extensions, which `@polkadot/api` does not know. Each one is declared with
 * what it adds to the extrinsic (`extrinsic`, the explicit part) and to the signed payload (`payload`, the
 * `Implicit`), as `opentensor/subtensor` defines them (`runtime/src/lib.rs` `TxExtension`):
 *
 * - `SubtensorTransactionExtension` (pallets/subtensor/src/extensions/subtensor.rs), `DrandPriority`
 *   (pallets/drand/src/drand_priority.rs), `SudoTransactionExtension` (runtime/src/sudo_wrapper.rs) and
 *   `CheckShieldedTxValidity` (pallets/shield/src/extension.rs) are `PhantomData` structs with `Implicit = ()`:
 *   no bytes in either. finney's metadata for spec 343 lists the first two with explicit types that are empty
 *   composites and implicit type `()`.
 * - `ChargeTransactionPaymentWrapper` (runtime/src/transaction_payment_wrapper.rs, newer runtimes) wraps
 *   `ChargeTransactionPayment`: the tip as `Compact<Balance>` in the extrinsic, `Implicit = ()`.
 *
 * Declaring the wrapper matters beyond the warning: an undeclared extension is encoded as empty, so a client would
 * drop the tip bytes and sign a payload the runtime does not accept.
 */
export const SUBTENSOR_SIGNED_EXTENSIONS: ExtDef = {
  SubtensorTransactionExtension: {extrinsic: {}, payload: {}},
  DrandPriority: {extrinsic: {}, payload: {}},
  SudoTransactionExtension: {extrinsic: {}, payload: {}},
  CheckShieldedTxValidity: {extrinsic: {}, payload: {}},
  ChargeTransactionPaymentWrapper: {extrinsic: {tip: 'Compact<Balance>'}, payload: {}},
}

/** The extensions in `identifiers` (a runtime's list) that neither `@polkadot/types` nor the list above declares. */
export function unknownSignedExtensions(identifiers: readonly string[]): string[] {
  return findUnknownExtensions([...identifiers], SUBTENSOR_SIGNED_EXTENSIONS)
}
