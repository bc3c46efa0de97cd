import path from 'node:path'

import {silentLogger, type Logger} from '../config/logger.js'
import type {Rng} from '../config/random.js'
import type {ValidatorMetrics} from './metrics.js'
import {repairResults, ResultsLog, type MinerResult} from './results-log.js'
import {rewards as binaryRewards, type Label} from './reward.js'
import {resyncHistories, stepRewards as computeRewards, type Answer, type RewardMode} from './rewards.js'
import {shouldSetWeights} from './schedule.js'
import {resyncScores, updateScores} from './scores.js'
import {loadState, saveState} from './state.js'
import type {NeuronAxon, NeuronMetagraph} from '../chain/neuron.js'
import type {AugmentationRecord} from '../image/levels.js'
import {sampleMinerUids} from './uids.js'
import {weightsForChain} from './weights.js'

/** The chain as the validator uses it (adapters.ts wires the real Subtensor client). */
export interface ValidatorChain {
  readonly selfHotkey: string
  currentBlock(): Promise<number>
  metagraph(): Promise<NeuronMetagraph>
  /** MinAllowedWeights and MaxWeightsLimit / 65535 */
  weightLimits(): Promise<{minAllowedWeights: number; maxWeightLimit: number}>
  /** submit u16 weights (plain, commit-reveal or timelocked: the chain client decides) */
  setWeights(uids: number[], weights: number[]): Promise<void>
  /** false while the connection is down: chain work is skipped rather than failed call by call */
  connected?(): boolean
}

export interface MinerAnswer {
  statusCode: number
  /** whatever came back in `prediction`, unvalidated (the reward decides what counts) */
  prediction: unknown
  /** seconds */
  processTime: number
}

/** Sends one challenge to many miners; one answer per axon, in order, never throws for a bad peer. */
export interface MinerQuery {
  query(axons: readonly NeuronAxon[], imageBase64: string, timeoutS: number): Promise<MinerAnswer[]>
}

export interface Challenge {
  label: Label
  /** pool / generator name */
  source: string
  /** base64 JPEG */
  image: string
  /** the augmentation level and what it drew (logged with each answer) */
  augmentation?: AugmentationRecord
}

export interface ChallengeSource {
  next(): Promise<Challenge>
}

export interface ValidatorConfig {
  sampleSize: number
  timeoutS: number
  alpha: number
  vpermitTaoLimit: number
  epochLength: number
  disableSetWeights: boolean
  /** folder for state.json and the results log */
  fullPath: string
  /** reward rule (rewards.ts); default binary */
  reward?: RewardMode
  /** the command that gets this validator a permit (stake), said once when it has none */
  permitHint?: string
}

export interface StepReport {
  step: number
  label: Label
  source: string
  uids: number[]
  predictions: unknown[]
  rewards: number[]
  /** per uid, 1 when its answer was right (the binary reward, whatever the reward mode) */
  correct: number[]
  /** share of the queried miners that were right */
  accuracy: number
  meanLatencyS: number
  weightsSet: boolean
}

/**
 * The validator loop (docs/ARCHITECTURE.md § Challenges and scoring): sample miners, challenge them, reward, update moving-average scores, save the state,
 * and set weights when an epoch has passed since the validator's last update.
 */
export class Validator {
  step = 0
  scores: number[] = []
  hotkeys: string[] = []
  /** per uid, its last answers (every reward mode keeps them, so switching modes and resuming works) */
  histories: Answer[][] = []
  private mg!: NeuronMetagraph
  private selfUid = -1
  private lastSyncBlock = 0
  private permitWarned = false
  private chainDownSince: number | undefined
  private chainDownSteps = 0
  readonly results: ResultsLog
  private readonly log: Logger

  constructor(
    private readonly chain: ValidatorChain,
    private readonly miners: MinerQuery,
    private readonly challenges: ChallengeSource,
    readonly config: ValidatorConfig,
    private readonly rng: Rng,
    private readonly extra: {logger?: Logger; metrics?: ValidatorMetrics} = {},
  ) {
    this.results = new ResultsLog(path.join(config.fullPath, 'results.jsonl'))
    this.log = extra.logger ?? silentLogger
  }

  get metagraph(): NeuronMetagraph {
    return this.mg
  }

  get uid(): number {
    return this.selfUid
  }

  /** Resume the saved state (if any) and sync the metagraph; fails clearly if our hotkey is not registered. */
  async start(): Promise<void> {
    const saved = await loadState(this.config.fullPath)
    if (saved) {
      this.step = saved.step
      this.scores = saved.scores
      this.hotkeys = saved.hotkeys
      this.histories = saved.histories ?? saved.hotkeys.map(() => [])
      this.log.info('resumed validator state', {step: saved.step, uids: saved.scores.length})
    }
    // rows of a step that was cut short (killed before its state was saved) go: that step runs again
    const cut = await repairResults(this.results.file, saved?.step)
    if (cut > 0) this.log.info('results log: dropped the rows of an unfinished step', {lines: cut})
    await this.sync(true)
  }

  /** Re-read the metagraph; scores follow it (hotkey changed → score reset, new uids start at 0). */
  async sync(force = false): Promise<void> {
    const block = await this.chain.currentBlock()
    if (!force && block - this.lastSyncBlock < this.config.epochLength) return
    const mg = await this.chain.metagraph()
    const selfUid = mg.hotkeys.indexOf(this.chain.selfHotkey)
    if (selfUid < 0) throw new Error(`validator hotkey ${this.chain.selfHotkey} is not registered on this subnet`)
    const {scores, reset} = resyncScores(this.scores, this.hotkeys, mg.hotkeys)
    if (this.hotkeys.length > 0 && reset.length > 0) this.log.info('hotkeys changed; scores reset', {uids: reset})
    this.scores = scores
    this.histories = resyncHistories(this.histories, this.hotkeys, mg.hotkeys)
    this.hotkeys = [...mg.hotkeys]
    this.mg = mg
    this.selfUid = selfUid
    this.lastSyncBlock = block
  }

  /** One challenge round. */
  async runStep(): Promise<StepReport> {
    const {config} = this
    const uids = sampleMinerUids(this.mg, config.sampleSize, this.rng, {vpermitTaoLimit: config.vpermitTaoLimit})
    const challenge = await this.challenges.next()
    const answers = uids.length > 0 ? await this.miners.query(uids.map((u) => this.mg.axons[u]!), challenge.image, config.timeoutS) : []
    const predictions = answers.map((a) => (a.statusCode === 200 ? a.prediction : undefined))
    const {rewards: stepRewards, histories} = computeRewards(config.reward ?? 'binary', this.histories, uids, predictions, challenge.label)
    this.histories = histories
    this.scores = updateScores(this.scores, uids, stepRewards, config.alpha)

    const correct = binaryRewards(predictions, challenge.label)
    const accuracy = uids.length > 0 ? correct.reduce((a, b) => a + b, 0) / uids.length : 0
    const ok = answers.filter((a) => a.statusCode === 200)
    const meanLatencyS = ok.length > 0 ? ok.reduce((a, b) => a + b.processTime, 0) / ok.length : 0
    const time = new Date().toISOString()
    const rows: MinerResult[] = uids.map((uid, i) => ({
      time,
      step: this.step,
      uid,
      hotkey: this.mg.hotkeys[uid] ?? '',
      label: challenge.label,
      source: challenge.source,
      prediction: typeof predictions[i] === 'number' && Number.isFinite(predictions[i]) ? (predictions[i] as number) : null,
      reward: stepRewards[i]!,
      score: this.scores[uid]!,
      statusCode: answers[i]!.statusCode,
      latencyS: answers[i]!.processTime,
      ...(challenge.augmentation && {level: challenge.augmentation.level, augmentation: challenge.augmentation}),
    }))
    await this.results.append(rows)
    this.observe(challenge.label, answers, accuracy)
    this.log.info('step', {
      step: this.step,
      label: challenge.label === 1 ? 'fake' : 'real',
      source: challenge.source,
      ...(challenge.augmentation && {level: challenge.augmentation.level}),
      miners: uids.length,
      accuracy: Number(accuracy.toFixed(3)),
      meanLatencyS: Number(meanLatencyS.toFixed(3)),
    })

    // the step's scores are saved before anything touches the chain: a chain outage or a kill loses none of them
    this.step++
    await saveState(config.fullPath, {step: this.step, scores: this.scores, hotkeys: this.hotkeys, histories: this.histories})
    const weightsSet = await this.chainPart()
    return {step: this.step - 1, label: challenge.label, source: challenge.source, uids, predictions, rewards: stepRewards, correct, accuracy, meanLatencyS, weightsSet}
  }

  /**
   * Weights and the metagraph re-sync. While the chain is unreachable the validator keeps challenging miners with the
   * metagraph it has; the failure is logged once per outage, not once per step, and weights wait until it is back.
   */
  private async chainPart(): Promise<boolean> {
    try {
      if (this.chain.connected?.() === false) throw new Error('chain connection is down')
      const set = await this.maybeSetWeights(this.step - 1)
      await this.sync()
      if (this.chainDownSince !== undefined) {
        this.log.info('chain reachable again; weights and metagraph sync resume', {downSteps: this.chainDownSteps})
        this.chainDownSince = undefined
      }
      return set
    } catch (err) {
      if (this.chainDownSince === undefined) {
        this.chainDownSince = Date.now()
        this.chainDownSteps = 0
        this.log.warn('chain unavailable; stepping on with the last metagraph, weights wait', {error: (err as Error).message})
      } else {
        this.log.debug('chain still unavailable', {error: (err as Error).message})
      }
      this.chainDownSteps++
      return false
    }
  }

  private observe(label: Label, answers: MinerAnswer[], accuracy: number): void {
    const m = this.extra.metrics
    if (!m) return
    m.steps.inc()
    m.challenges.inc({label: label === 1 ? 'fake' : 'real'})
    m.stepAccuracy.set(accuracy)
    for (const a of answers) {
      m.responses.inc({status: String(a.statusCode)})
      if (a.statusCode === 200) m.latency.observe(a.processTime)
    }
    this.scores.forEach((s, uid) => m.minerScore.set({uid: String(uid)}, s))
  }

  private async maybeSetWeights(step: number): Promise<boolean> {
    const block = await this.chain.currentBlock()
    const due = shouldSetWeights({
      block,
      lastUpdate: this.mg.lastUpdate,
      selfUid: this.selfUid,
      epochLength: this.config.epochLength,
      step,
      disabled: this.config.disableSetWeights,
    })
    if (!due) return false
    if (!this.mg.validatorPermit[this.selfUid]) {
      // the chain refuses weights without a permit; say so once, then wait for an epoch to give one (the metagraph
      // is re-read every epoch_length blocks) instead of failing every step
      if (!this.permitWarned) {
        this.permitWarned = true
        this.log.warn('no validator permit: weights are not set until an epoch gives one to this hotkey (stake decides)', {
          uid: this.selfUid,
          fix: this.config.permitHint ?? 'stake TAO on this hotkey',
        })
      }
      return false
    }
    if (this.permitWarned) {
      this.permitWarned = false
      this.log.info('validator permit granted; setting weights', {uid: this.selfUid})
    }
    try {
      await this.setWeights()
      // our lastUpdate moved: read it back so the schedule counts from now
      await this.sync(true)
      return true
    } catch (err) {
      this.extra.metrics?.weightsSet.inc({outcome: 'error'})
      this.log.error('setting weights failed; will retry next step', {error: (err as Error).message})
      return false
    }
  }

  /** Scores → processed u16 weights → chain. Returns what was submitted. */
  async setWeights(): Promise<{uids: number[]; weights: number[]}> {
    const limits = await this.chain.weightLimits()
    const {uids, weights} = weightsForChain(this.scores, {numNeurons: this.scores.length, ...limits})
    if (uids.length === 0) {
      this.log.warn('no weights to set (all scores are zero)')
      return {uids, weights}
    }
    await this.chain.setWeights(uids, weights)
    this.extra.metrics?.weightsSet.inc({outcome: 'ok'})
    this.log.info('weights set', {uids, weights})
    return {uids, weights}
  }

  /** Run steps until the signal aborts (between steps) or `maxSteps` are done. */
  async run(opts: {signal?: AbortSignal; maxSteps?: number; pauseMs?: number} = {}): Promise<void> {
    let done = 0
    while (!opts.signal?.aborted && (opts.maxSteps === undefined || done < opts.maxSteps)) {
      try {
        await this.runStep()
      } catch (err) {
        this.log.error('step failed; carrying on', {error: (err as Error).message})
        await sleep(Math.max(1000, opts.pauseMs ?? 0), opts.signal)
      }
      done++
      if (opts.pauseMs) await sleep(opts.pauseMs, opts.signal)
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}
