// The proxy's page: one image in, the pool's verdict out. It calls the same POST v1/detect the API documents.
'use strict'

const $ = (id) => document.getElementById(id)
const els = {
  drop: $('drop'), file: $('file'), pick: $('pick'), preview: $('preview'), hint: $('drop-hint'),
  keyRow: $('key-row'), key: $('key'), status: $('status'), error: $('error'),
  result: $('result'), gaugeWrap: $('gauge-wrap'), gaugeFill: $('gauge-fill'), gaugeText: $('gauge-text'), verdict: $('verdict'), summary: $('summary'), miners: $('miners'),
}
const KEY_STORE = 'bitmind-proxy-key'
let previewUrl

function showError(message) {
  els.error.textContent = message
  els.error.hidden = false
}

function clearError() {
  els.error.hidden = true
  els.error.textContent = ''
}

function fmt(p) {
  return typeof p === 'number' ? p.toFixed(3) : '–'
}

function renderMiners(miners) {
  els.miners.replaceChildren(...miners.map((m) => {
    const li = document.createElement('li')
    li.className = 'miner'
    li.dataset.uid = String(m.uid)
    li.dataset.status = m.status
    li.dataset.prediction = m.prediction === null ? '' : String(m.prediction)
    const head = document.createElement('div')
    head.className = 'head'
    const name = document.createElement('span')
    name.textContent = `uid ${m.uid} · ${m.status === 'ok' ? fmt(m.prediction) : m.status}`
    const meta = document.createElement('span')
    meta.className = 'meta'
    meta.textContent = `${(m.latency_s * 1000).toFixed(0)} ms · incentive ${m.incentive.toFixed(3)}`
    head.append(name, meta)
    const bar = document.createElement('div')
    bar.className = 'bar'
    const fill = document.createElement('span')
    const p = typeof m.prediction === 'number' ? Math.min(1, Math.max(0, m.prediction)) : 0
    fill.style.width = `${(p * 100).toFixed(1)}%`
    fill.className = p > 0.5 ? 'fake' : 'real'
    bar.append(fill)
    li.append(head, bar)
    return li
  }))
}

function renderResult(r) {
  const pct = Math.round(r.probability * 100)
  els.gaugeFill.setAttribute('stroke-dasharray', `${(r.probability * 100).toFixed(1)} 100`)
  els.gaugeText.textContent = `${pct}%`
  els.verdict.dataset.verdict = r.verdict
  els.gaugeWrap.dataset.verdict = r.verdict
  els.verdict.textContent = r.verdict === 'fake' ? 'AI-generated' : 'real'
  els.summary.textContent = `probability ${r.probability.toFixed(3)} that it is AI-generated · ${r.responded} of ${r.queried} miners answered · block ${r.block}`
  renderMiners(r.miners)
  els.result.hidden = false
}

async function detect(file) {
  clearError()
  els.result.hidden = true
  if (previewUrl) URL.revokeObjectURL(previewUrl)
  previewUrl = URL.createObjectURL(file)
  els.preview.src = previewUrl
  els.preview.hidden = false
  els.status.textContent = `asking the miners about ${file.name || 'your image'}…`
  const body = new FormData()
  body.append('image', file, file.name || 'image')
  const headers = {}
  const key = els.key.value.trim()
  if (key) headers.authorization = `Bearer ${key}`
  let res
  try {
    res = await fetch('v1/detect', {method: 'POST', body, headers})
  } catch (err) {
    els.status.textContent = ''
    showError(`the proxy cannot be reached (${err.message})`)
    return
  }
  let json
  try {
    json = await res.json()
  } catch {
    json = {error: `HTTP ${res.status}`}
  }
  els.status.textContent = ''
  if (!res.ok) {
    const prefix = {400: 'not a usable image', 401: 'API key refused', 413: 'too large', 415: 'wrong upload type', 429: 'slow down', 503: 'no answer'}[res.status] ?? `error ${res.status}`
    showError(`${prefix}: ${json.error ?? res.statusText}`)
    if (res.status === 401) els.keyRow.hidden = false
    if (Array.isArray(json.miners)) {
      renderMiners(json.miners)
      els.verdict.textContent = ''
      els.summary.textContent = ''
    }
    return
  }
  if (key) localStorage.setItem(KEY_STORE, key)
  renderResult(json)
}

function pickFirst(files) {
  const file = files && files[0]
  if (file) void detect(file)
}

els.pick.addEventListener('click', (e) => {
  e.stopPropagation()
  els.file.click()
})
els.drop.addEventListener('click', () => els.file.click())
els.drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') els.file.click()
})
els.file.addEventListener('change', () => pickFirst(els.file.files))
els.drop.addEventListener('dragover', (e) => {
  e.preventDefault()
  els.drop.classList.add('over')
})
els.drop.addEventListener('dragleave', () => els.drop.classList.remove('over'))
els.drop.addEventListener('drop', (e) => {
  e.preventDefault()
  els.drop.classList.remove('over')
  pickFirst(e.dataTransfer && e.dataTransfer.files)
})

els.key.value = localStorage.getItem(KEY_STORE) ?? ''
fetch('healthz')
  .then((r) => r.json())
  .then((h) => {
    if (h.auth) els.keyRow.hidden = false
  })
  .catch(() => showError('the proxy does not answer /healthz'))
