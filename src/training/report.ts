/**
 * The HTML report of an evaluation (`bitmind eval`): a ROC curve and a confusion matrix drawn as PNG images (SVG we
 * generate, rasterised by sharp), the metrics and the per-source breakdown, in one self-contained HTML file.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import sharp from 'sharp'

import type {EvalResult} from './evaluate.js'
import type {ConfusionMatrix, RocCurve} from './metrics.js'

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'

export function rocSvg(roc: RocCurve, auc: number, title = 'ROC curve'): string {
  const W = 520, H = 520, L = 70, R = 20, T = 50, B = 60
  const pw = W - L - R, ph = H - T - B
  const X = (f: number) => L + f * pw, Y = (t: number) => T + (1 - t) * ph
  const grid: string[] = []
  for (let k = 0; k <= 10; k++) {
    const v = k / 10
    grid.push(`<line x1="${X(v)}" y1="${T}" x2="${X(v)}" y2="${T + ph}" stroke="#e5e5e5"/>`)
    grid.push(`<line x1="${L}" y1="${Y(v)}" x2="${L + pw}" y2="${Y(v)}" stroke="#e5e5e5"/>`)
    if (k % 2 === 0) {
      grid.push(`<text x="${X(v)}" y="${T + ph + 20}" font-size="13" text-anchor="middle" ${FONT}>${v.toFixed(1)}</text>`)
      grid.push(`<text x="${L - 8}" y="${Y(v) + 4}" font-size="13" text-anchor="end" ${FONT}>${v.toFixed(1)}</text>`)
    }
  }
  const pts = roc.fpr.map((f, i) => `${X(f).toFixed(2)},${Y(roc.tpr[i]!).toFixed(2)}`).join(' ')
  const curve = roc.fpr.length > 0
    ? `<polygon points="${X(0)},${Y(0)} ${pts} ${X(1)},${Y(0)}" fill="#2563eb" fill-opacity="0.12"/><polyline points="${pts}" fill="none" stroke="#2563eb" stroke-width="3"/>`
    : `<text x="${W / 2}" y="${H / 2}" font-size="16" text-anchor="middle" ${FONT}>needs both real and fake images</text>`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<rect width="100%" height="100%" fill="white"/>
${grid.join('\n')}
<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>
<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#999" stroke-dasharray="6,5"/>
${curve}
<text x="${W / 2}" y="30" font-size="18" font-weight="bold" text-anchor="middle" ${FONT}>${esc(title)} (AUC ${Number.isNaN(auc) ? '—' : auc.toFixed(4)})</text>
<text x="${L + pw / 2}" y="${H - 15}" font-size="14" text-anchor="middle" ${FONT}>false positive rate (real called fake)</text>
<text x="18" y="${T + ph / 2}" font-size="14" text-anchor="middle" transform="rotate(-90 18 ${T + ph / 2})" ${FONT}>true positive rate (fake caught)</text>
</svg>`
}

export function confusionSvg(cm: ConfusionMatrix): string {
  const W = 460, H = 420, L = 130, T = 90, C = 140
  const cells = [[cm.tn, cm.fp], [cm.fn, cm.tp]]
  const rowTotals = [cm.tn + cm.fp, cm.fn + cm.tp]
  const parts: string[] = []
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      const n = cells[r]![c]!
      const share = rowTotals[r]! > 0 ? n / rowTotals[r]! : 0
      const good = r === c
      // correct cells in green, errors in red, shade by the share of the row
      const hue = good ? '22,163,74' : '220,38,38'
      const x = L + c * C, y = T + r * C
      parts.push(`<rect x="${x}" y="${y}" width="${C}" height="${C}" fill="rgb(${hue})" fill-opacity="${(0.08 + 0.8 * share).toFixed(3)}" stroke="#333"/>`)
      parts.push(`<text x="${x + C / 2}" y="${y + C / 2}" font-size="28" font-weight="bold" text-anchor="middle" ${FONT}>${n}</text>`)
      parts.push(`<text x="${x + C / 2}" y="${y + C / 2 + 28}" font-size="15" text-anchor="middle" ${FONT}>${(100 * share).toFixed(1)} %</text>`)
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="30" font-size="18" font-weight="bold" text-anchor="middle" ${FONT}>Confusion matrix</text>
<text x="${L + C}" y="${T - 35}" font-size="14" text-anchor="middle" ${FONT}>predicted</text>
<text x="${L + C / 2}" y="${T - 10}" font-size="15" text-anchor="middle" ${FONT}>real</text>
<text x="${L + 1.5 * C}" y="${T - 10}" font-size="15" text-anchor="middle" ${FONT}>fake</text>
<text x="${L - 12}" y="${T + C / 2 + 5}" font-size="15" text-anchor="end" ${FONT}>real</text>
<text x="${L - 12}" y="${T + 1.5 * C + 5}" font-size="15" text-anchor="end" ${FONT}>fake</text>
<text x="30" y="${T + C}" font-size="14" text-anchor="middle" transform="rotate(-90 30 ${T + C})" ${FONT}>actual</text>
${parts.join('\n')}
</svg>`
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), {density: 144}).png().toBuffer()
}

const pct = (x: number) => (Number.isNaN(x) ? '—' : (100 * x).toFixed(2) + '&nbsp;%')
const num = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(4))

export function reportHtml(r: EvalResult, images: {roc: Buffer; confusion: Buffer}, title = 'bitmind eval'): string {
  const m = r.metrics
  const uri = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`
  const verdict = m.accuracy >= 0.9 ? '#16a34a' : m.accuracy >= 0.7 ? '#d97706' : '#dc2626'
  const tiles: [string, string][] = [
    ['accuracy', pct(m.accuracy)], ['real accuracy', pct(m.realAccuracy)], ['fake accuracy', pct(m.fakeAccuracy)],
    ['AP', num(m.ap)], ['ROC AUC', num(m.rocAuc)], ['F1', num(m.f1)], ['precision', num(m.precision)], ['recall', num(m.recall)],
  ]
  const maxCount = Math.max(1, ...r.bySource.map((s) => s.count))
  const sourceRows = r.bySource.map((s) => {
    const label = s.real > 0 && s.fake > 0 ? 'mixed' : s.fake > 0 ? 'fake' : 'real'
    const acc = Number.isNaN(s.accuracy) ? 0 : s.accuracy
    return `<tr><td>${esc(s.source)}</td><td>${label}</td><td class="n">${s.count}</td>
<td><div class="bar"><div style="width:${(100 * acc).toFixed(1)}%;background:${acc >= 0.9 ? '#16a34a' : acc >= 0.7 ? '#d97706' : '#dc2626'}"></div></div></td>
<td class="n">${pct(s.accuracy)}</td><td><div class="bar thin"><div style="width:${((100 * s.count) / maxCount).toFixed(1)}%;background:#94a3b8"></div></div></td></tr>`
  }).join('\n')
  // the ten most confident mistakes: what a person wants to open first
  const mistakes = r.predictions
    .filter((p) => (p.score > 0.5 ? 1 : 0) !== p.label)
    .sort((a, b) => Math.abs(b.score - 0.5) - Math.abs(a.score - 0.5))
    .slice(0, 10)
    .map((p) => `<tr><td>${esc(p.file)}</td><td>${p.label === 1 ? 'fake' : 'real'}</td><td class="n">${p.score.toFixed(4)}</td><td>${esc(p.source)}</td></tr>`)
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — ${esc(r.model)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#111;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#555;margin-top:0}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem;margin:1.2rem 0}
.tile{border:1px solid #ddd;border-radius:8px;padding:.7rem 1rem} .tile b{display:block;font-size:1.5rem}
.tile.main{border-color:${verdict};border-width:2px} .tile.main b{color:${verdict}}
.figs{display:flex;gap:1.5rem;flex-wrap:wrap} .figs img{border:1px solid #ddd;border-radius:8px;max-width:100%}
table{border-collapse:collapse;width:100%;margin:1rem 0} td,th{padding:.35rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#f1f5f9;border-radius:4px;height:14px;width:220px}.bar div{height:100%;border-radius:4px}.bar.thin{height:8px;width:120px}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="sub">model <code>${esc(r.model)}</code> · ${m.count} images (${m.real} real, ${m.fake} fake) · ${r.seconds.toFixed(1)} s (${r.imagesPerSec.toFixed(1)} images/s) · score &gt; 0.5 = fake</p>
<div class="tiles">${tiles.map(([k, v], i) => `<div class="tile${i === 0 ? ' main' : ''}">${k}<b>${v}</b></div>`).join('')}</div>
<div class="figs"><img alt="ROC curve" src="${uri(images.roc)}" width="520"><img alt="Confusion matrix" src="${uri(images.confusion)}" width="460"></div>
<h2>By source</h2>
<table><tr><th>source</th><th>label</th><th class="n">images</th><th>accuracy</th><th></th><th>share</th></tr>
${sourceRows}</table>
<h2>Most confident mistakes</h2>
${mistakes ? `<table><tr><th>file</th><th>label</th><th class="n">score</th><th>source</th></tr>${mistakes}</table>` : '<p>None: every image was classified right.</p>'}
</body></html>
`
}

/** Write `<out>.html` plus `<stem>.roc.png` and `<stem>.confusion.png` beside it; returns the paths. */
export async function writeReport(r: EvalResult, out: string, title?: string): Promise<{html: string; rocPng: string; confusionPng: string}> {
  await mkdir(path.dirname(path.resolve(out)), {recursive: true})
  const stem = out.replace(/\.html?$/i, '')
  const roc = await svgToPng(rocSvg(r.roc, r.metrics.rocAuc))
  const confusion = await svgToPng(confusionSvg(r.metrics.confusion))
  const rocPng = `${stem}.roc.png`, confusionPng = `${stem}.confusion.png`
  await writeFile(rocPng, roc)
  await writeFile(confusionPng, confusion)
  await writeFile(out, reportHtml(r, {roc, confusion}, title))
  return {html: out, rocPng, confusionPng}
}
