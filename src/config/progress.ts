/**
 * Progress of long work on stderr: a live bar (ora) on a terminal, plain lines otherwise (logs, pipes, pm2).
 * Counts never pass the total (a total found too small grows with the count) and the ETA is never negative.
 */
import ora, {type Ora} from 'ora'

export interface ProgressView {
  done: number
  /** undefined when the total is not known */
  total?: number
  elapsedS: number
  /** seconds left at the rate so far; undefined before the first step or without a total */
  etaS?: number
}

/** The numbers a progress line shows, made consistent: 0 ≤ done ≤ total, ETA ≥ 0. */
export function progressView(done: number, total: number | undefined, elapsedS: number): ProgressView {
  const d = Math.max(0, Number.isFinite(done) ? done : 0)
  const t = total === undefined || !Number.isFinite(total) ? undefined : Math.max(d, total)
  const el = Math.max(0, elapsedS)
  const etaS = t === undefined || d === 0 || el === 0 ? undefined : Math.max(0, ((t - d) * el) / d)
  return {done: d, total: t, elapsedS: el, etaS}
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?'
  const t = Math.round(s)
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  const sec = t % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`
}

export interface ProgressFormat {
  /** what is counted, after the numbers (`crops`, `batches`); none for byte counts */
  unit?: string
  /** how counts are written (e.g. formatBytes); default: the integer */
  count?: (n: number) => string
  /** bar width in characters */
  width?: number
}

/** `label [########............]  40% 80/200 crops, 0:12, ETA 0:18 · note` */
export function formatProgressLine(label: string, v: ProgressView, fmt: ProgressFormat = {}, note?: string): string {
  const count = fmt.count ?? ((n: number) => String(Math.round(n)))
  const unit = fmt.unit ? ` ${fmt.unit}` : ''
  let head: string
  if (v.total === undefined) head = `${count(v.done)}${unit}`
  else {
    const width = fmt.width ?? 20
    const f = v.total > 0 ? v.done / v.total : 1
    const full = Math.round(f * width)
    head = `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}% ${count(v.done)}/${count(v.total)}${unit}`
  }
  const eta = v.etaS === undefined ? '' : `, ETA ${formatDuration(v.etaS)}`
  return `${label} ${head}, ${formatDuration(v.elapsedS)}${eta}${note ? ` · ${note}` : ''}`
}

export interface ProgressOptions extends ProgressFormat {
  label: string
  total?: number
  stream?: NodeJS.WritableStream & {isTTY?: boolean}
  /** draw a live bar; default: whether the stream is a terminal (with a width) */
  tty?: boolean
  /** without a terminal: at most one line per this many ms (the last step always prints); default 0, a line per step */
  everyMs?: number
  now?: () => number
}

/** One long job's progress. `update`/`tick` per step, `finish` at the end (also after a failure). */
export class Progress {
  readonly tty: boolean
  private readonly stream: NodeJS.WritableStream
  private readonly now: () => number
  private readonly t0: number
  private total?: number
  private done = 0
  private note?: string
  private lastPrinted = -Infinity
  private printedCurrent = false
  private spinner?: Ora

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr
    const term = this.stream as {isTTY?: boolean; columns?: number}
    // a terminal that reports 0 columns (a pty nobody sized, e.g. `script` without a terminal) gets plain lines:
    // ora would divide by its width
    this.tty = opts.tty ?? (Boolean(term.isTTY) && term.columns !== 0)
    this.now = opts.now ?? Date.now
    this.t0 = this.now()
    this.total = opts.total
    if (this.tty) {
      this.spinner = ora({text: this.line(), stream: this.stream, isEnabled: true, discardStdin: false}).start()
    }
  }

  view(): ProgressView {
    return progressView(this.done, this.total, (this.now() - this.t0) / 1000)
  }

  line(): string {
    return formatProgressLine(this.opts.label, this.view(), this.opts, this.note)
  }

  setTotal(total: number | undefined): void {
    this.total = total
  }

  /** Absolute progress: `done` steps so far. */
  update(done: number, note?: string): void {
    this.done = done
    if (note !== undefined) this.note = note
    this.printedCurrent = false
    if (this.spinner) {
      this.spinner.text = this.line()
      return
    }
    const t = this.now()
    const last = this.total !== undefined && this.done >= this.total
    if (last || t - this.lastPrinted >= (this.opts.everyMs ?? 0)) this.print(t)
  }

  tick(n = 1, note?: string): void {
    this.update(this.done + n, note)
  }

  /** End the bar (a terminal keeps its last state on screen); without a terminal, print the last state if not yet shown. */
  finish(note?: string): void {
    if (note !== undefined) this.note = note
    if (this.spinner) {
      const v = this.view()
      this.spinner.stopAndPersist({symbol: v.total !== undefined && v.done >= v.total ? '✔' : ' ', text: this.line()})
      this.spinner = undefined
      return
    }
    if (!this.printedCurrent) this.print(this.now())
  }

  private print(t: number): void {
    this.stream.write(this.line() + '\n')
    this.lastPrinted = t
    this.printedCurrent = true
  }
}
