import {ipToInt, taoToRao} from '../chain/rules.js'
import {resolveAccount} from './accounts.js'
import type {Chain, RuntimeModule} from './chain.js'
import type {CallHandler, DispatchContext} from './dispatch.js'
import {runEpoch} from './epoch.js'
import type {Genesis} from './genesis.js'
import type {RuntimeApis} from './runtime-api.js'
import type {Storage} from './storage.js'
import {burnedRegister, powRegister, registerNeuron, serveAxon} from './subtensor-registration.js'
import {addStake, addStakeCall, removeStakeCall} from './subtensor-stake.js'
import {hotkeyStake, n, permits, S, subnets, u16s, vec} from './subtensor-storage.js'
import {applyWeights, commitTimelocked, commitWeights, revealWeights, weightsArgs} from './subtensor-weights.js'

/**
 * The devnet's SubtensorModule (docs/ARCHITECTURE.md § Chain): its calls, genesis, per-block hooks and the neuron
 * runtime APIs, from the parts in subtensor-{storage,registration,stake,weights}.ts.
 */
export {applyWeights, type WeightsInput} from './subtensor-weights.js'
export {registerNeuron, sealHash} from './subtensor-registration.js'
export {epochIndex, mechIndex, uidOf} from './subtensor-storage.js'
export {sealMeetsDifficulty} from '../chain/rules.js'

export interface SubtensorModule extends RuntimeModule {
  genesis(chain: Chain, g: Genesis): void
  runtimeApis(apis: RuntimeApis): void
}

/** The SubtensorModule calls a neuron uses, with the pallet's rules and error names. */
export function subtensorModule(
  genesis: Genesis,
  hooks: {beforeEpoch?(ctx: Omit<DispatchContext, 'signer'>, netuid: number): void} = {},
): SubtensorModule {
  const calls: Record<string, CallHandler> = {
    [`${S}.burnedRegister`]: (ctx, a) => burnedRegister(ctx, n(a.netuid), a.hotkey!.toString()),
    [`${S}.register`]: (ctx, a) =>
      genesis.powRegistration ? powRegister(ctx, a) : burnedRegister(ctx, n(a.netuid), a.hotkey!.toString()),
    [`${S}.serveAxon`]: serveAxon,
    [`${S}.addStake`]: addStakeCall,
    [`${S}.removeStake`]: removeStakeCall,
    [`${S}.setWeights`]: (ctx, a) => applyWeights(ctx, ctx.signer, weightsArgs(a, 0, 'dests', 'weights'), false),
    [`${S}.setMechanismWeights`]: (ctx, a) =>
      applyWeights(ctx, ctx.signer, weightsArgs(a, n(a.mecid), 'dests', 'weights'), false),
    [`${S}.commitWeights`]: (ctx, a) => commitWeights(ctx, n(a.netuid), 0, a.commitHash!.toHex()),
    [`${S}.commitMechanismWeights`]: (ctx, a) => commitWeights(ctx, n(a.netuid), n(a.mecid), a.commitHash!.toHex()),
    [`${S}.revealWeights`]: (ctx, a) => revealWeights(ctx, weightsArgs(a, 0, 'uids', 'values'), u16s(a.salt)),
    [`${S}.revealMechanismWeights`]: (ctx, a) =>
      revealWeights(ctx, weightsArgs(a, n(a.mecid), 'uids', 'values'), u16s(a.salt)),
    [`${S}.commitTimelockedWeights`]: (ctx, a) => commitTimelocked(ctx, n(a.netuid), 0, a),
    [`${S}.commitTimelockedMechanismWeights`]: (ctx, a) => commitTimelocked(ctx, n(a.netuid), n(a.mecid), a),
  }
  return {
    calls,
    genesis(chain, g) {
      const st = chain.st
      st.set(S, 'totalNetworks', [], g.subnets.length + 1)
      for (const s of g.subnets) {
        const id = s.netuid
        const put = (item: string, v: unknown) => st.set(S, item, [id], v)
        put('networksAdded', true)
        put('tempo', s.tempo)
        put('burn', taoToRao(s.burn))
        put('minBurn', taoToRao(s.minBurn))
        put('maxBurn', taoToRao(s.maxBurn))
        put('difficulty', s.difficulty)
        put('maxAllowedUids', s.maxAllowedUids)
        put('maxAllowedValidators', s.maxAllowedValidators)
        put('immunityPeriod', s.immunityPeriod)
        put('weightsSetRateLimit', s.weightsSetRateLimit)
        put('minAllowedWeights', s.minAllowedWeights)
        put('maxWeightsLimit', s.maxWeightsLimit)
        put('weightsVersionKey', s.weightsVersionKey)
        put('commitRevealWeightsEnabled', s.commitRevealWeightsEnabled)
        put('revealPeriodEpochs', s.revealPeriodEpochs)
        put('networkRegistrationAllowed', s.networkRegistrationAllowed)
        put('networkPowRegistrationAllowed', genesis.powRegistration && s.networkPowRegistrationAllowed)
        put('maxRegistrationsPerBlock', s.maxRegistrationsPerBlock)
        put('targetRegistrationsPerInterval', s.targetRegistrationsPerInterval)
        put('servingRateLimit', 0)
        put('subnetOwner', resolveAccount(s.owner))
        put('subnetworkN', 0)
      }
      for (const nr of g.neurons) {
        const hotkey = resolveAccount(nr.hotkey)
        const coldkey = resolveAccount(nr.coldkey)
        registerNeuron(st, nr.netuid, hotkey, coldkey, 0)
        if (nr.stake > 0) addStake(st, hotkey, coldkey, nr.netuid, taoToRao(nr.stake))
        if (nr.axon) {
          const {value, ipType} = ipToInt(nr.axon.ip)
          st.set(S, 'axons', [nr.netuid, hotkey], {
            block: 0,
            version: 0,
            ip: value,
            port: nr.axon.port,
            ipType,
            protocol: nr.axon.protocol,
            placeholder1: 0,
            placeholder2: 0,
          })
        }
      }
      // genesis stake counts as if an epoch had run: staked genesis neurons start with their validator permits
      for (const s of g.subnets) st.set(S, 'validatorPermit', [s.netuid], permits(st, s.netuid))
    },
    onInitialize(ctx) {
      const st = ctx.st
      // the pallet clears the one-stake-operation-per-block limiter every block
      for (const k of st.keysWithPrefix(st.prefix(S, 'stakingOperationRateLimiter'))) st.map.delete(k)
      for (const netuid of subnets(st)) {
        st.set(S, 'registrationsThisBlock', [netuid], 0)
        const interval = st.num(S, 'tempo', netuid) + 1
        if (ctx.block % interval === 0) st.set(S, 'registrationsThisInterval', [netuid], 0)
      }
    },
    onFinalize(ctx) {
      const st = ctx.st
      for (const netuid of subnets(st)) {
        const tempo = st.num(S, 'tempo', netuid)
        if ((ctx.block + netuid + 1) % (tempo + 1) === 0) {
          hooks.beforeEpoch?.(ctx, netuid)
          runEpoch(st, netuid, ctx.block, taoToRao(genesis.subnets.find((s) => s.netuid === netuid)?.emissionPerBlock ?? 1) * BigInt(tempo + 1))
        }
      }
    },
    runtimeApis(apis) {
      apis.register('NeuronInfoRuntimeApi_get_neurons_lite', (chain, [netuid]) => {
        const id = Number(netuid!.toString())
        const count = chain.st.num(S, 'subnetworkN', id)
        return [...Array(count).keys()].map((uid) => neuronLite(chain.st, id, uid))
      })
      apis.register('NeuronInfoRuntimeApi_get_neuron_lite', (chain, [netuid, uid]) => {
        const id = Number(netuid!.toString())
        const u = Number(uid!.toString())
        return u < chain.st.num(S, 'subnetworkN', id) ? neuronLite(chain.st, id, u) : null
      })
    },
  }
}

/** NeuronInfoLite as the runtime API returns it, from the same storage the maps expose. */
function neuronLite(st: Storage, netuid: number, uid: number): Record<string, unknown> {
  const hotkey = st.get(S, 'keys', netuid, uid)!.toString()
  const at = (item: string, index = netuid) => vec(st, item, index)[uid] ?? 0
  const axon = st.get(S, 'axons', netuid, hotkey)?.toJSON() ?? {}
  return {
    hotkey,
    coldkey: st.get(S, 'owner', hotkey)!.toString(),
    uid,
    netuid,
    active: Boolean(vec(st, 'active', netuid)[uid] ?? true),
    axonInfo: axon,
    prometheusInfo: {},
    stake: [[st.get(S, 'owner', hotkey)!.toString(), hotkeyStake(st, netuid, hotkey)]],
    rank: at('rank'),
    emission: at('emission'),
    incentive: at('incentive'),
    consensus: at('consensus'),
    trust: at('trust'),
    validatorTrust: at('validatorTrust'),
    dividends: at('dividends'),
    lastUpdate: at('lastUpdate'),
    validatorPermit: Boolean(vec(st, 'validatorPermit', netuid)[uid] ?? false),
    pruningScore: at('pruningScores'),
  }
}

