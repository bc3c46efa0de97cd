import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {chromium, type Browser} from 'playwright-core'

import {DEMO_PHOTOS} from '../../src/localnet/index.js'
import {BIN, ROOT} from '../helpers/cli.js'

/** Debian's chromium (`.ci/run` installs it); flags keep it from reaching out or needing a GPU. */
const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
/** Where the screenshot goes (the README's docs/proxy-page.png was made with BITMIND_SCREENSHOT_DIR=docs). */
const SHOT_DIR = process.env.BITMIND_SCREENSHOT_DIR ?? os.tmpdir()
const PHOTO = path.join(DEMO_PHOTOS, 'plasma-workspace-ColdRipple-004.png')

let demo: ChildProcess | undefined
let browser: Browser | undefined
let url = ''
let demoOut = ''

/** `npm run demo -- --serve` as a newcomer runs it: the round, then the page's URL on stdout. */
function startDemo(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--serve', '--steps', '2', '--proxy.port', '0'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    demo = child
    const timer = setTimeout(() => reject(new Error(`demo --serve printed no URL in 150 s:\n${demoOut}`)), 150_000)
    const onData = (d: Buffer) => {
      demoOut += d.toString()
      const m = /^proxy: (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(demoOut)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d: Buffer) => (demoOut += d.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`demo --serve exited (${code}) before serving:\n${demoOut}`))
    })
  })
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`)
  ;[url, browser] = await Promise.all([startDemo(), chromium.launch({executablePath: CHROMIUM, headless: true, args: FLAGS})])
}, 180_000)

afterAll(async () => {
  await browser?.close()
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo!.once('exit', r))
    demo.kill('SIGINT')
    await exited
  }
}, 30_000)

describe('the web page in headless Chromium, on `demo --serve`', () => {
  it('shows the verdict, the gauge and a bar per miner for an uploaded photo, at phone size; screenshot saved', async () => {
    const context = await browser!.newContext({viewport: {width: 390, height: 844}, deviceScaleFactor: 2, isMobile: true, hasTouch: true})
    const page = await context.newPage()
    const outside: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url())
    })
    await page.goto(url)
    // this proxy has no keys file: no key field
    await page.waitForLoadState('networkidle')
    expect(await page.isVisible('#key')).toBe(false)
    await page.setInputFiles('#file', PHOTO)
    await page.waitForSelector('#result:not([hidden])', {timeout: 60_000})

    const verdict = await page.$eval('#verdict', (e) => ({text: e.textContent, verdict: (e as HTMLElement).dataset.verdict}))
    const gauge = await page.$eval('#gauge-text', (e) => e.textContent)
    const bars = await page.$$eval('#miners li.miner', (lis) => lis.map((li) => ({
      uid: Number((li as HTMLElement).dataset.uid),
      status: (li as HTMLElement).dataset.status,
      prediction: Number((li as HTMLElement).dataset.prediction),
      width: parseFloat((li.querySelector('.bar span') as HTMLElement).style.width),
    })))
    // the same image through the API: the page shows what /v1/detect answers
    const form = new FormData()
    form.append('image', new Blob([new Uint8Array(await fs.readFile(PHOTO))], {type: 'image/png'}), 'photo.png')
    const api = (await (await fetch(new URL('v1/detect', url), {method: 'POST', body: form})).json()) as {
      probability: number; verdict: string; miners: {uid: number; prediction: number}[]
    }
    expect(verdict.verdict).toBe(api.verdict)
    expect(verdict.text).toBe(api.verdict === 'fake' ? 'AI-generated' : 'real')
    expect(gauge).toBe(`${Math.round(api.probability * 100)}%`)
    expect(bars.length).toBe(3)
    expect(bars.map((b) => b.uid).sort()).toEqual(api.miners.map((m) => m.uid).sort())
    for (const b of bars) {
      const m = api.miners.find((x) => x.uid === b.uid)!
      expect(b.status).toBe('ok')
      expect(b.prediction).toBeCloseTo(m.prediction, 5)
      expect(b.width).toBeCloseTo(m.prediction * 100, 0)
    }
    // usable on a phone: nothing wider than the screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    expect(outside).toEqual([])
    const shot = path.join(SHOT_DIR, 'proxy-page.png')
    await page.screenshot({path: shot, fullPage: true})
    expect((await fs.stat(shot)).size).toBeGreaterThan(10_000)
    await context.close()
  }, 90_000)

  it('shows a readable message for a file that is not an image', async () => {
    const page = await browser!.newPage()
    await page.goto(url)
    await page.setInputFiles('#file', {name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image\n')})
    await page.waitForSelector('#error:not([hidden])', {timeout: 30_000})
    const error = await page.$eval('#error', (e) => e.textContent ?? '')
    expect(error).toMatch(/^not a usable image: image is not a readable image/)
    expect(await page.$eval('#result', (e) => (e as HTMLElement).hidden)).toBe(true)
    await page.close()
  }, 60_000)
})
