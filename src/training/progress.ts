/** The live epoch bar of `bitmind train` (stderr): `epoch 3/100 [#####-----] 12/40 loss 0.4123 38.2 img/s ETA 0:42`. */
import type {ProgressEvent} from './trainer.js'

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?'
  const t = Math.round(s)
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`
}

export function formatProgress(e: ProgressEvent, width = 24): string {
  const filled = Math.round((e.batch / e.batches) * width)
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
  return `epoch ${e.epoch}/${e.epochs} [${bar}] ${e.batch}/${e.batches} loss ${e.loss.toFixed(4)} ${e.imagesPerSec.toFixed(1)} img/s ETA ${formatDuration(e.etaS)}`
}

/**
 * Draws the bar in place on a terminal (carriage return), or prints a line every `everyS` seconds otherwise
 * (logs, nohup), so a long run is followable either way.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, everyS = 30): {update(e: ProgressEvent): void; done(): void} {
  let last = 0
  let drawn = false
  return {
    update(e) {
      const line = formatProgress(e)
      if (stream.isTTY) {
        stream.write(`\r${line}\u001b[K`)
        drawn = true
      } else if (Date.now() - last >= everyS * 1000 || e.batch === e.batches) {
        last = Date.now()
        stream.write(line + '\n')
      }
    },
    done() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
