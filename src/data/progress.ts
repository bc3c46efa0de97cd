/** Byte sizes for download output (the progress bar itself is src/config/progress.ts). */

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

/** Parse byte sizes (the download limit): plain bytes or with a K/M/G/T suffix (powers of 1024), e.g. `500MB`, `2G`. */
export function parseByteSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*$/i.exec(s)
  if (!m) throw new Error(`cannot read "${s}" as a size (try 500MB or 2G)`)
  const mult = {'': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4}[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T']
  return Math.floor(Number(m[1]) * mult)
}
