import readline from 'node:readline'
import {PassThrough} from 'node:stream'

import {describe, expect, it} from '@jest/globals'

import {formatProgressLine, Progress, progressView} from '../../src/config/progress.js'

/** A stream that collects what is written; `isTTY` as asked, with a terminal's cursor methods (ANSI codes) then. */
function sink(isTTY: boolean, columns = 200): {stream: PassThrough & {isTTY?: boolean; columns?: number}; text: () => string} {
  const stream = Object.assign(new PassThrough(), {isTTY, columns})
  if (isTTY) {
    Object.assign(stream, {
      cursorTo: (x: number, y?: number) => readline.cursorTo(stream, x, y),
      moveCursor: (dx: number, dy: number) => readline.moveCursor(stream, dx, dy),
      clearLine: (dir: -1 | 0 | 1) => readline.clearLine(stream, dir),
    })
  }
  let text = ''
  stream.on('data', (d) => (text += d))
  return {stream, text: () => text}
}

/** "… 12/200 crops, 0:03, ETA 0:47" → numbers */
function parse(line: string): {done: number; total: number; etaS?: number} {
  const m = /(\d+)\/(\d+) crops/.exec(line)
  const eta = /ETA (\d+):(\d\d)/.exec(line)
  expect(m).not.toBeNull()
  expect(line).not.toMatch(/ETA -|ETA \?/)
  return {done: Number(m![1]), total: Number(m![2]), etaS: eta ? Number(eta[1]) * 60 + Number(eta[2]) : undefined}
}

describe('progress reporter', () => {
  it('keeps the count within the total and the ETA at or above zero, whatever it is told', () => {
    // the offline-corpus case: more steps than the total it was first given
    expect(progressView(476, 200, 114)).toEqual({done: 476, total: 476, elapsedS: 114, etaS: 0})
    expect(progressView(50, 200, 10)).toEqual({done: 50, total: 200, elapsedS: 10, etaS: 30})
    expect(progressView(-3, 10, 5)).toEqual({done: 0, total: 10, elapsedS: 5, etaS: undefined})
    expect(progressView(5, undefined, 5).etaS).toBeUndefined()
    expect(progressView(5, 10, -1).etaS).toBeUndefined()
    expect(formatProgressLine('corpus', progressView(476, 200, 114), {unit: 'crops'})).toBe('corpus [####################] 100% 476/476 crops, 1:54, ETA 0:00')
    expect(formatProgressLine('get', progressView(3, undefined, 61), {unit: 'files'})).toBe('get 3 files, 1:01')
  })

  it('without a terminal prints one plain line per step, counts ≤ total, ETA ≥ 0', () => {
    const {stream, text} = sink(false)
    let t = 0
    const p = new Progress({label: 'corpus', total: 5, unit: 'crops', stream, now: () => t})
    const steps = [1, 2, 4, 5, 7] // the last one passes the total
    for (const d of steps) {
      t += 1000
      p.update(d, `photo ${d}`)
    }
    p.finish()
    const lines = text().trimEnd().split('\n')
    expect(lines).toHaveLength(steps.length)
    expect(text()).not.toMatch(/\r|\u001b/)
    for (const [i, line] of lines.entries()) {
      const v = parse(line)
      expect(v.done).toBe(steps[i])
      expect(v.done).toBeLessThanOrEqual(v.total)
      expect(v.etaS ?? 0).toBeGreaterThanOrEqual(0)
      expect(line).toContain(`· photo ${steps[i]}`)
    }
    expect(parse(lines[0]!)).toEqual({done: 1, total: 5, etaS: 4}) // 1 s per crop, 4 left
  })

  it('without a terminal and everyMs, throttles but always prints the last step', () => {
    const {stream, text} = sink(false)
    let t = 0
    const p = new Progress({label: 'epoch 1/1', total: 10, unit: 'batches', stream, now: () => t, everyMs: 5000})
    for (let b = 1; b <= 10; b++) {
      t += 1000
      p.update(b)
    }
    p.finish()
    // t = 1 s (first), 6 s, 10 s (the last)
    expect(text().trimEnd().split('\n').map((l) => /(\d+)\/10/.exec(l)![1])).toEqual(['1', '6', '10'])
  })

  it('on a terminal draws a live bar (ora) and leaves the final state on screen', () => {
    const {stream, text} = sink(true)
    const p = new Progress({label: 'corpus', total: 4, unit: 'crops', stream})
    expect(p.tty).toBe(true)
    for (let d = 1; d <= 4; d++) p.update(d)
    p.finish()
    const out = text()
    expect(out).toMatch(/\u001b\[/) // redrawn in place
    expect(out).toContain('corpus [....................]   0% 0/4 crops') // drawn from the start
    expect(out).toContain('corpus [####################] 100% 4/4 crops')
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/✔ corpus \[#+\] 100% 4\/4 crops/)
  })

  it('on a terminal without a width, falls back to plain lines', () => {
    const {stream, text} = sink(true, 0)
    const p = new Progress({label: 'corpus', total: 2, unit: 'crops', stream})
    expect(p.tty).toBe(false)
    p.update(1)
    p.update(2)
    p.finish()
    expect(text().trimEnd().split('\n')).toHaveLength(2)
  })
})
