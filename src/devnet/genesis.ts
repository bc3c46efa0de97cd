import fs from 'node:fs'

import {z} from 'zod'

import {U16_MAX} from '../chain/rules.js'

export const DEV_ACCOUNT_URIS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'] as const

/** An account: a dev URI such as `//Alice` (sr25519) or an SS58 address. */
const accountRef = z.string().min(1)

const subnetSchema = z
  .object({
    netuid: z.number().int().min(1).max(U16_MAX),
    /** coldkey owning the subnet */
    owner: accountRef.default('//Alice'),
    tempo: z.number().int().min(1).max(U16_MAX).default(10),
    /** registration burn in TAO (also the initial `Burn`) */
    burn: z.number().nonnegative().default(1),
    minBurn: z.number().nonnegative().default(0.0005),
    maxBurn: z.number().nonnegative().default(100),
    /** POW difficulty (`Difficulty`): the seal must satisfy seal·difficulty < 2²⁵⁶ */
    difficulty: z.number().int().min(1).default(10_000),
    maxAllowedUids: z.number().int().min(1).max(4096).default(256),
    maxAllowedValidators: z.number().int().min(1).max(4096).default(64),
    immunityPeriod: z.number().int().min(0).default(10),
    weightsSetRateLimit: z.number().int().min(0).default(2),
    minAllowedWeights: z.number().int().min(0).max(U16_MAX).default(1),
    maxWeightsLimit: z.number().int().min(0).max(U16_MAX).default(U16_MAX),
    weightsVersionKey: z.number().int().min(0).default(0),
    commitRevealWeightsEnabled: z.boolean().default(false),
    revealPeriodEpochs: z.number().int().min(1).default(1),
    networkRegistrationAllowed: z.boolean().default(true),
    networkPowRegistrationAllowed: z.boolean().default(true),
    maxRegistrationsPerBlock: z.number().int().min(1).default(8),
    targetRegistrationsPerInterval: z.number().int().min(1).default(64),
    /** alpha emitted per block in TAO units, split 50/50 between miners (incentive) and validators (dividends) */
    emissionPerBlock: z.number().nonnegative().default(1),
  })
  .strict()

const neuronSchema = z
  .object({
    netuid: z.number().int().min(1).max(U16_MAX),
    hotkey: accountRef,
    coldkey: accountRef,
    /** stake (alpha, TAO units) held by the coldkey on the hotkey */
    stake: z.number().nonnegative().default(0),
    axon: z
      .object({ip: z.string(), port: z.number().int().min(1).max(U16_MAX), protocol: z.number().int().default(4)})
      .strict()
      .optional(),
  })
  .strict()

/**
 * Devnet genesis config (JSON). Every field is optional; `{}` gives the dev accounts //Alice…//Ferdie with
 * 1,000,000 TAO each and subnet 1 with the defaults above.
 */
export const genesisSchema = z
  .object({
    /** funded accounts: dev URIs or SS58 addresses with their free balance in TAO */
    accounts: z
      .array(z.object({account: accountRef, balance: z.number().nonnegative()}).strict())
      .default(DEV_ACCOUNT_URIS.map((account) => ({account, balance: 1_000_000}))),
    subnets: z.array(subnetSchema).prefault([{netuid: 1}]),
    neurons: z.array(neuronSchema).default([]),
    /**
     * `register` semantics: true = the PoW rule (hotkey-signed seal, docs/ARCHITECTURE.md § Chain); false = the current runtime
     * rule, where `register` runs the burn path signed by the coldkey.
     */
    powRegistration: z.boolean().default(true),
    /** drand test beacon: hex BLS12-381 secret key (32 bytes); a fixed test key when omitted */
    drand: z
      .object({secretKey: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/).optional(), period: z.number().int().min(1).default(3)})
      .strict()
      .prefault({}),
  })
  .strict()

export type GenesisConfig = z.input<typeof genesisSchema>
export type Genesis = z.output<typeof genesisSchema>
export type SubnetGenesis = z.output<typeof subnetSchema>

export function parseGenesis(value: unknown, source = 'genesis'): Genesis {
  const r = genesisSchema.safeParse(value ?? {})
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new Error(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`)
  }
  const seen = new Set<number>()
  for (const s of r.data.subnets) {
    if (seen.has(s.netuid)) throw new Error(`${source}: subnet ${s.netuid} is listed twice`)
    seen.add(s.netuid)
  }
  for (const n of r.data.neurons) {
    if (!seen.has(n.netuid)) throw new Error(`${source}: neuron ${n.hotkey} is on subnet ${n.netuid}, which genesis does not create`)
  }
  return r.data
}

export function readGenesisFile(file: string): Genesis {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    throw new Error(`genesis file ${file}: ${(e as Error).message}`)
  }
  return parseGenesis(raw, file)
}
