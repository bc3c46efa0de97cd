import {promises as fs, watch, type FSWatcher, type Stats} from 'node:fs'
import path from 'node:path'

import {silentLogger, type Logger} from '../config/logger.js'

/** What the miner needs from a detector (the detector engineer's `Detector` satisfies it). */
export interface ServingModel<I> {
  readonly name: string
  predict(inputs: I[]): Promise<number[]>
  dispose(): Promise<void>
}

export type ModelLoader<I> = (modelPath: string) => Promise<ServingModel<I>>

export interface ModelHolderOptions {
  logger?: Logger
  /** stat polling period; fs.watch alone misses replacements on some filesystems and after `mv` swaps the inode */
  pollMs?: number
  /** the file must keep the same size/mtime this long before it is loaded (a copy in progress is not a model) */
  settleMs?: number
  /** called after every reload attempt (tests and metrics) */
  onReload?: (event: ReloadEvent) => void
}

export type ReloadEvent = {ok: true; name: string; generation: number} | {ok: false; error: string}

interface Slot<I> {
  model: ServingModel<I>
  generation: number
  inFlight: number
  retired: boolean
}

/**
 * Holds the served model and swaps it when the file on disk changes. The new model is loaded completely before the
 * swap; a file that fails to load leaves the old model serving and logs why. There is never a moment without a
 * loaded model, and a model is disposed only after its last in-flight prediction returns.
 */
export class ModelHolder<I> {
  private slot: Slot<I>
  private signature: string
  private failedSignature: string | undefined
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private checking: Promise<void> | undefined
  private recheck = false
  private closed = false
  private readonly log: Logger

  private constructor(
    readonly modelPath: string,
    private readonly loader: ModelLoader<I>,
    model: ServingModel<I>,
    signature: string,
    private readonly opts: ModelHolderOptions,
  ) {
    this.slot = {model, generation: 1, inFlight: 0, retired: false}
    this.signature = signature
    this.log = opts.logger ?? silentLogger
  }

  /** Load the model (failing loudly if it cannot: a miner never starts without one) and start watching the file. */
  static async open<I>(modelPath: string, loader: ModelLoader<I>, opts: ModelHolderOptions = {}): Promise<ModelHolder<I>> {
    const abs = path.resolve(modelPath)
    const signature = await fileSignature(abs)
    const model = await loader(abs)
    const holder = new ModelHolder(abs, loader, model, signature, opts)
    holder.startWatching()
    return holder
  }

  get modelName(): string {
    return this.slot.model.name
  }

  get generation(): number {
    return this.slot.generation
  }

  /** Predict with the model current at call time; a swap during the call does not dispose it underneath us. */
  async predict(inputs: I[]): Promise<number[]> {
    const slot = this.slot
    slot.inFlight++
    try {
      return await slot.model.predict(inputs)
    } finally {
      slot.inFlight--
      if (slot.retired && slot.inFlight === 0) void this.disposeSlot(slot)
    }
  }

  /** Check the file now (the watcher calls this; tests may too). Resolves once any reload it started is done. */
  async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true
      return this.checking
    }
    this.checking = (async () => {
      do {
        this.recheck = false
        await this.checkOnce()
      } while (this.recheck && !this.closed)
    })().finally(() => {
      this.checking = undefined
    })
    return this.checking
  }

  private async checkOnce(): Promise<void> {
    if (this.closed) return
    let sig: string
    try {
      sig = await fileSignature(this.modelPath)
    } catch {
      return // mid-replacement (unlinked, not yet renamed in): look again on the next tick
    }
    if (sig === this.signature || sig === this.failedSignature) return
    const settle = this.opts.settleMs ?? 200
    if (settle > 0) {
      await sleep(settle)
      let again: string
      try {
        again = await fileSignature(this.modelPath)
      } catch {
        return
      }
      if (again !== sig) {
        this.recheck = true
        return
      }
    }
    let model: ServingModel<I>
    try {
      model = await this.loader(this.modelPath)
    } catch (err) {
      const error = (err as Error).message
      this.failedSignature = sig
      this.log.warn('model file changed but does not load; still serving the previous model', {
        path: this.modelPath,
        error,
        serving: this.slot.model.name,
      })
      this.opts.onReload?.({ok: false, error})
      return
    }
    if (this.closed) {
      await model.dispose().catch(() => {})
      return
    }
    const old = this.slot
    this.slot = {model, generation: old.generation + 1, inFlight: 0, retired: false}
    this.signature = sig
    this.failedSignature = undefined
    old.retired = true
    if (old.inFlight === 0) void this.disposeSlot(old)
    this.log.info('model reloaded', {path: this.modelPath, name: model.name, generation: this.slot.generation})
    this.opts.onReload?.({ok: true, name: model.name, generation: this.slot.generation})
  }

  private async disposeSlot(slot: Slot<I>): Promise<void> {
    try {
      await slot.model.dispose()
    } catch (err) {
      this.log.debug('disposing the previous model failed', {error: (err as Error).message})
    }
  }

  private startWatching(): void {
    const poll = this.opts.pollMs ?? 1000
    this.timer = setInterval(() => void this.check(), poll)
    this.timer.unref()
    try {
      // Watch the folder, not the file: `mv new.onnx model.onnx` replaces the inode a file watch is bound to.
      const dir = isDirectoryModel(this.modelPath) ? this.modelPath : path.dirname(this.modelPath)
      this.watcher = watch(dir, {persistent: false}, () => void this.check())
      this.watcher.on('error', () => {
        this.watcher?.close()
        this.watcher = undefined
      })
    } catch {
      // polling still covers us
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.watcher?.close()
    await this.checking?.catch(() => {})
    this.slot.retired = true
    if (this.slot.inFlight === 0) await this.disposeSlot(this.slot)
  }
}

function isDirectoryModel(p: string): boolean {
  return !path.extname(p)
}

function statSig(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`
}

/** Identity of the model on disk: inode, size and mtime of the file (or of every file in a tfjs model folder). */
async function fileSignature(p: string): Promise<string> {
  const st = await fs.stat(p)
  if (!st.isDirectory()) return statSig(st)
  const names = (await fs.readdir(p)).sort()
  const parts = await Promise.all(names.map(async (n) => `${n}=${statSig(await fs.stat(path.join(p, n)))}`))
  return parts.join('|')
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
