import type {LocalRoundRow} from './round.js'

/** The result as a fixed-width table. */
export function formatRoundTable(rows: readonly LocalRoundRow[]): string {
  const head = ['uid', 'miner', 'accuracy', 'score', 'weight', 'incentive']
  const body = rows.map((r) => [
    String(r.uid),
    r.name,
    `${(r.accuracy * 100).toFixed(0)}% (${Math.round(r.accuracy * r.answered)}/${r.answered})`,
    r.score.toFixed(4),
    r.weight.toFixed(4),
    r.incentive.toFixed(4),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}
