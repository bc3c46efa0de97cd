/** Text progress for downloads on stderr: one line per file plus the overall total (a live line on a TTY). */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`
}

export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction))
  const full = Math.round(f * width)
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`
}

/** Parse `--max-bytes` values: plain bytes or with a K/M/G/T suffix (powers of 1024), e.g. `500MB`, `2G`. */
export function parseByteSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*$/i.exec(s)
  if (!m) throw new Error(`cannot read "${s}" as a size (try 500MB or 2G)`)
  const mult = {'': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4}[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T']
  return Math.floor(Number(m[1]) * mult)
}

export interface ProgressState {
  label: string
  file: string
  fileDone: number
  fileTotal?: number
  allDone: number
  allTotal?: number
  bytesPerSecond?: number
}

export function progressLine(s: ProgressState): string {
  const file = s.fileTotal ? `${bar(s.fileDone / s.fileTotal)} ${formatBytes(s.fileDone)}/${formatBytes(s.fileTotal)}` : formatBytes(s.fileDone)
  const all = s.allTotal ? `${bar(s.allDone / s.allTotal, 10)} ${formatBytes(s.allDone)}/${formatBytes(s.allTotal)}` : formatBytes(s.allDone)
  const rate = s.bytesPerSecond ? `  ${formatBytes(Math.round(s.bytesPerSecond))}/s` : ''
  return `${s.label} ${s.file} ${file} | overall ${all}${rate}`
}

/** Draws ProgressState to a stream: redraws in place on a TTY, otherwise a line every `intervalMs` and at each file end. */
export class ProgressPrinter {
  private last = 0
  private lastLen = 0
  private readonly started = Date.now()
  private readonly tty: boolean

  constructor(
    private readonly out: NodeJS.WritableStream & {isTTY?: boolean} = process.stderr,
    private readonly intervalMs = 5000,
  ) {
    this.tty = Boolean(out.isTTY)
  }

  update(s: ProgressState, force = false): void {
    const now = Date.now()
    const minGap = this.tty ? 100 : this.intervalMs
    if (!force && now - this.last < minGap) return
    this.last = now
    const line = progressLine({...s, bytesPerSecond: s.allDone / Math.max(0.001, (now - this.started) / 1000)})
    if (this.tty) {
      this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`)
      this.lastLen = line.length
    } else this.out.write(line + '\n')
  }

  /** End the live line (TTY) so following logs start on a fresh line. */
  done(): void {
    if (this.tty && this.lastLen > 0) this.out.write('\n')
    this.lastLen = 0
  }
}
