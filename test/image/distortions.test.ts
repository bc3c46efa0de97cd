import {describe, expect, it} from '@jest/globals'

import {createRng} from '../../src/config/random.js'
import {augmentChallenge} from '../../src/image/augment.js'
import {
  augmentAtLevel,
  augmentChoice,
  centerCropResize,
  colorContrast,
  colorSaturation,
  gaussianBlur,
  gaussianKernel,
  gaussianNoiseColor,
  jpegResample,
  parseLevelChoice,
  pickLevel,
  type RgbImage,
} from '../../src/image/index.js'

function image(w: number, h: number, px: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 3)
  return {data, width: w, height: h}
}

const at = (img: RgbImage, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)]

/** a photo-like test card: smooth colour gradients plus a few hard edges */
function card(w = 96, h = 80): RgbImage {
  return image(w, h, (x, y) => [(x * 255) / (w - 1), (y * 255) / (h - 1), x > w / 2 !== y > h / 2 ? 220 : 30].map(Math.round) as [number, number, number])
}

describe('colour saturation (CS)', () => {
  it('moves each channel toward BT.601 luma by the factor', () => {
    const img = image(2, 1, (x) => (x === 0 ? [200, 100, 50] : [77, 77, 77]))
    // Y = 0.299·200 + 0.587·100 + 0.114·50 = 124.2; c' = 124.2 + 0.4·(c − 124.2) = 154.52, 114.52, 94.52
    expect(at(colorSaturation(img, 0.4), 0, 0)).toEqual([155, 115, 95])
    expect(at(colorSaturation(img, 0), 0, 0)).toEqual([124, 124, 124])
    expect(at(colorSaturation(img, 0.4), 1, 0)).toEqual([77, 77, 77]) // grey has no chroma to take away
    expect(colorSaturation(img, 1).data).toEqual(img.data)
    expect(img.data[0]).toBe(200) // input untouched
    expect(() => colorSaturation(img, 1.5)).toThrow(/saturation factor/)
  })
})

describe('colour contrast (CC)', () => {
  it('scales and truncates in float32 like numpy', () => {
    const img = image(4, 1, (x) => [[100, 200, 255], [1, 0, 255], [255, 255, 255], [0, 0, 0]][x] as [number, number, number])
    // 255·0.85 = 216.75 → 216; 1·0.85 → 0
    expect(at(colorContrast(img, 0.85), 0, 0)).toEqual([85, 170, 216])
    expect(at(colorContrast(img, 0.85), 1, 0)).toEqual([0, 0, 216])
    // 100·0.725 = 72.5 → 72; 200·float32(0.725) = 145.0000048 → 145
    expect(at(colorContrast(img, 0.725), 0, 0)).toEqual([72, 145, 184])
  })
})

describe('"JPEG" (down-and-up bilinear resample)', () => {
  it('averages pixel pairs on the way down and interpolates with clamped edges on the way up', () => {
    const cols = [0, 40, 80, 120]
    const img = image(4, 4, (x) => [cols[x]!, cols[x]!, 255 - cols[x]!])
    const out = jpegResample(img, 2)
    // 4 → 2: samples at x = 0.5, 2.5 → 20, 100; 2 → 4: samples at −0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    // → 20, 0.75·20 + 0.25·100 = 40, 0.25·20 + 0.75·100 = 80, 100
    for (let y = 0; y < 4; y++) expect([0, 1, 2, 3].map((x) => at(out, x, y)[0])).toEqual([20, 40, 80, 100])
    expect(at(out, 1, 2)[2]).toBe(255 - 40)
    expect(out.width).toBe(4)
    expect(jpegResample(img, 1).data).toEqual(img.data)
  })

  it('shrinks to the floor of each side and returns the original size', () => {
    const out = jpegResample(card(7, 5), 3)
    expect([out.width, out.height]).toEqual([7, 5])
    expect(() => jpegResample(card(2, 2), 3)).toThrow(/too small/)
  })
})

describe('colour Gaussian noise (GNC)', () => {
  const grey = image(128, 128, () => [128, 128, 128])

  it('has the per-channel spread DeeperForensics\' YCbCr scaling implies', () => {
    // σ_Y = √0.001·255²/219 = 9.389, σ_C = √0.001·255²/224 = 9.180; R = Y + 1.403·Cr, G = Y − 0.714·Cr − 0.344·Cb,
    // B = Y + 1.773·Cb → σ_R = 15.94, σ_G = 11.88, σ_B = 18.79
    const out = gaussianNoiseColor(grey, 0.001, createRng(7))
    const expected = [15.94, 11.88, 18.79]
    for (let c = 0; c < 3; c++) {
      let s = 0, s2 = 0
      const n = 128 * 128
      for (let i = 0; i < n; i++) {
        const d = out.data[i * 3 + c]! - 128
        s += d
        s2 += d * d
      }
      const mean = s / n
      expect(Math.sqrt(s2 / n - mean * mean)).toBeCloseTo(expected[c]!, 0)
      expect(mean).toBeLessThan(0) // truncation shifts by about half a level
      expect(mean).toBeGreaterThan(-1.2)
    }
  })

  it('is deterministic per seed and a near-identity at variance 0', () => {
    const img = card()
    expect(gaussianNoiseColor(img, 0.002, createRng(3)).data).toEqual(gaussianNoiseColor(img, 0.002, createRng(3)).data)
    expect(gaussianNoiseColor(img, 0.002, createRng(3)).data).not.toEqual(gaussianNoiseColor(img, 0.002, createRng(4)).data)
    const zero = gaussianNoiseColor(img, 0, createRng(1))
    let worst = 0
    for (let i = 0; i < img.data.length; i++) worst = Math.max(worst, Math.abs(zero.data[i]! - img.data[i]!))
    expect(worst).toBeLessThanOrEqual(1)
  })
})

describe('Gaussian blur (GB)', () => {
  it('uses OpenCV\'s kernel with σ = k/6', () => {
    const k = gaussianKernel(7, 7 / 6)
    // exp(−d²/(2σ²)) for d = 0..3 with 2σ² = 2.7222: 1, 0.6925, 0.2301, 0.0367; sum 2.9186
    expect(k[3]).toBeCloseTo(1 / 2.9186, 4)
    expect(k[4]).toBeCloseTo(0.6925 / 2.9186, 3)
    expect([...k].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    expect(() => gaussianKernel(4, 1)).toThrow(/odd/)
  })

  it('spreads an impulse by the outer product of the kernel and keeps flat regions flat', () => {
    const img = image(15, 15, (x, y) => (x === 7 && y === 7 ? [255, 255, 255] : [0, 0, 0]))
    const out = gaussianBlur(img, 7)
    // 255·0.34263² = 29.94, 255·0.34263·0.23730 = 20.73, 255·0.23730² = 14.36
    expect(at(out, 7, 7)).toEqual([30, 30, 30])
    expect(at(out, 8, 7)[0]).toBe(21)
    expect(at(out, 7, 6)[0]).toBe(21)
    expect(at(out, 8, 8)[0]).toBe(14)
    expect(at(out, 11, 7)[0]).toBe(0)
    const flat = image(9, 9, () => [90, 140, 200])
    expect(gaussianBlur(flat, 9).data).toEqual(flat.data)
  })

  it('reflects at the border without repeating the edge pixel (BORDER_REFLECT_101)', () => {
    const img = image(9, 9, (x, y) => (x === 0 && y === 0 ? [255, 0, 0] : [0, 0, 0]))
    const out = gaussianBlur(img, 7)
    expect(at(out, 0, 0)[0]).toBe(30) // the corner is seen once, not doubled
    expect(at(out, 1, 0)[0]).toBe(21)
  })
})

describe('augmentation levels', () => {
  const img = card(120, 90)
  const small = card(40, 30)

  it('level 0 is the base transform: the identity on an image already at size', async () => {
    const square = card(64, 64)
    const r = await augmentAtLevel(square, 0, createRng(1), 64)
    expect(r.image.data).toEqual(square.data)
    expect(r.augmentation).toEqual({level: 0, distortions: []})
    expect((await augmentAtLevel(img, 0, createRng(1), 64)).image.data).toEqual((await centerCropResize(img, 64)).data)
  })

  it('level 1 is the geometric recipe we always had, and records what it drew', async () => {
    const r = await augmentAtLevel(img, 1, createRng(5), 64)
    expect(r.image.data).toEqual((await augmentChallenge(img, createRng(5), 64)).data)
    expect(r.augmentation.distortions).toEqual([])
    const g = r.augmentation.geometry!
    expect(Math.abs(g.angle)).toBeLessThanOrEqual(20)
    expect(g.crop.side).toBeLessThanOrEqual(90)
    expect(typeof g.hflip).toBe('boolean')
  })

  it('levels 2 and 3 draw severities per distortion from v2.2.11\'s ranges, deterministically per seed', async () => {
    const seen = {2: new Map<string, Set<number>>(), 3: new Map<string, Set<number>>()}
    for (const level of [2, 3] as const) {
      for (let seed = 0; seed < 50; seed++) {
        const a = await augmentAtLevel(small, level, createRng(seed), 24)
        const b = await augmentAtLevel(small, level, createRng(seed), 24)
        expect(a.image.data).toEqual(b.image.data)
        expect(a.augmentation).toEqual(b.augmentation)
        for (const d of a.augmentation.distortions) {
          const set = seen[level].get(d.name) ?? new Set<number>()
          set.add(d.param)
          seen[level].set(d.name, set)
        }
        const order = a.augmentation.distortions.map((d) => d.name)
        const canonical = ['CS', 'CC', 'JPEG', 'GNC', 'GB'].filter((n) => order.includes(n as never))
        expect(order).toEqual(canonical)
      }
    }
    const sorted = (m: Map<string, Set<number>>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort((x, y) => x - y)]))
    expect(sorted(seen[2])).toEqual({CS: [0.4], CC: [0.85], JPEG: [2]})
    expect(sorted(seen[3])).toEqual({CS: [0.3, 0.4], CC: [0.725, 0.85], JPEG: [2, 3], GNC: [0.001, 0.002], GB: [7, 9]})
  })

  it('a level-3 image with every distortion differs from its level-1 geometry alone', async () => {
    let found = false
    for (let seed = 0; seed < 200 && !found; seed++) {
      const r = await augmentAtLevel(img, 3, createRng(seed), 48)
      if (r.augmentation.distortions.length < 5) continue
      found = true
      const geometric = await augmentChallenge(img, createRng(seed), 48)
      let diff = 0
      for (let i = 0; i < geometric.data.length; i++) diff += Math.abs(geometric.data[i]! - r.image.data[i]!)
      expect(diff / geometric.data.length).toBeGreaterThan(5)
    }
    expect(found).toBe(true)
  })

  it('picks each level about a quarter of the time and parses level choices', async () => {
    const rng = createRng(42)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[pickLevel(rng)]!++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100)
    expect(parseLevelChoice('random')).toBe('random')
    expect(parseLevelChoice('2')).toBe(2)
    expect(() => parseLevelChoice('4')).toThrow(/0, 1, 2, 3 or random/)
    expect(() => parseLevelChoice('')).toThrow(/level/)
    const r = await augmentChoice(img, 'random', createRng(9), 32)
    expect([0, 1, 2, 3]).toContain(r.augmentation.level)
  })
})
