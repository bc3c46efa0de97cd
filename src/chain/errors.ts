/**
 * Readable text for the Subtensor dispatch errors a neuron operator meets (names as the pallet spells them);
 * `{netuid}` stands for the subnet of the call.
 */
const MESSAGES: Record<string, string> = {
  HotKeyAlreadyRegisteredInSubNet: 'hotkey already registered on netuid {netuid}',
  HotKeyNotRegisteredInSubNet: 'hotkey is not registered on netuid {netuid}',
  HotKeyNotRegisteredInNetwork: 'hotkey is not registered on netuid {netuid}',
  SubNetworkDoesNotExist: 'subnet {netuid} does not exist',
  SubnetNotExists: 'subnet {netuid} does not exist',
  NotEnoughBalanceToStake: 'the coldkey balance is too low for this (burn cost or stake)',
  InsufficientBalance: 'the coldkey balance is too low',
  SubNetRegistrationDisabled: 'registration is disabled on netuid {netuid}',
  TooManyRegistrationsThisBlock: 'too many registrations in this block; try again in a few blocks',
  TooManyRegistrationsThisInterval: 'too many registrations this interval; try again later',
  InvalidWorkBlock: 'the proof of work is for a block that is too old or unknown (solve again)',
  InvalidDifficulty: 'the proof of work does not meet the difficulty',
  InvalidSeal: 'the proof-of-work seal does not match the block, hotkey and nonce',
  SettingWeightsTooFast: 'weights set too fast on netuid {netuid} (weights rate limit)',
  IncorrectWeightVersionKey: 'the weights version key is below the subnet’s weights_version_key: update bitmind',
  WeightVecNotEqualSize: 'uids and weights differ in length',
  DuplicateUids: 'duplicate uids in the weights',
  UidVecContainInvalidOne: 'a weight names a uid that does not exist',
  WeightVecLengthIsLow: 'fewer weights than the subnet’s min_allowed_weights',
  MaxWeightExceeded: 'a weight exceeds the subnet’s max_weight_limit',
  NeuronNoValidatorPermit: 'this hotkey has no validator permit on the subnet',
  NotEnoughStakeToSetWeights: 'not enough stake to set weights',
  CommitRevealEnabled: 'netuid {netuid} uses commit-reveal: plain set_weights is refused',
  CommitRevealDisabled: 'netuid {netuid} does not use commit-reveal',
  NoWeightsCommitFound: 'no weights commit found to reveal',
  InvalidRevealCommitHashNotMatch: 'the reveal does not match the commit (uids, weights, salt or version key differ)',
  RevealTooEarly: 'too early to reveal these weights',
  ExpiredWeightCommit: 'the weights commit expired before it was revealed',
  ServingRateLimitExceeded: 'axon served too often (serving rate limit)',
  InvalidIpAddress: 'the axon IP address is not valid for the chain',
  InvalidPort: 'the axon port is not valid',
  TransactorAccountShouldBeHotKey: 'this call must be signed by the hotkey',
  NonAssociatedColdKey: 'the hotkey belongs to a different coldkey',
  HotKeyAccountNotExists: 'the chain does not know this hotkey: register it first (bitmind register)',
  NotEnoughStakeToWithdraw: 'the coldkey has less stake than that on this hotkey in netuid {netuid}',
  AmountTooLow: 'the amount is below the chain’s minimum stake operation (0.002 TAO), or would leave less than that staked',
  StakingOperationRateLimitExceeded: 'one stake operation per hotkey and subnet per block: try again in the next block',
  NotEnoughBalanceToPayStake: 'the coldkey balance is too low for this stake',
  InsufficientLiquidity: 'netuid {netuid} has too little liquidity for this stake operation',
}

/** `DispatchError::Token` reasons (balances transfers) → readable text. */
const TOKEN: Record<string, string> = {
  FundsUnavailable: 'the sender’s free balance is too low for this amount',
  NotExpendable: 'it would leave the sender below the existential deposit (500 rao): send a little less',
  BelowMinimum: 'the destination would hold less than the existential deposit (500 rao): send more',
  CannotCreate: 'the destination account cannot be created',
  UnknownAsset: 'unknown asset',
  Frozen: 'the funds are frozen',
}

export function describeTokenError(reason: string): string {
  return TOKEN[reason] ?? `Token.${reason}`
}

export class ChainCallError extends Error {
  constructor(
    message: string,
    /** `Section.Name` of a module error, else the raw error text */
    readonly code: string,
  ) {
    super(message)
    this.name = 'ChainCallError'
  }
}

/** `{section, name, docs}` of a decoded module error → one readable line. */
export function describeDispatchError(err: {section: string; name: string; docs?: string[]}, ctx: {netuid?: number; call?: string} = {}): string {
  const known = err.section.toLowerCase() === 'subtensormodule' ? MESSAGES[err.name] : undefined
  const text = known ? known.replaceAll('{netuid}', String(ctx.netuid ?? '?')) : `${err.section}.${err.name}${err.docs?.length ? ` (${err.docs.join(' ').trim()})` : ''}`
  return ctx.call ? `${ctx.call} failed: ${text}` : text
}
