import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from '@jest/globals'

import {ROOT} from '../helpers/cli.js'

// docs/ARCHITECTURE.md is the map of the code: its "Layers" table must say exactly which folder imports which.
const SRC = path.join(ROOT, 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return e.name.endsWith('.ts') ? [p] : []
  })
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!

/** folder → the other src/ folders its files import (relative imports, static or dynamic, types included) */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file)
    const deps = graph.get(from) ?? new Set<string>()
    graph.set(from, deps)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), m[1]!)
      const to = path.relative(SRC, target).split(path.sep)[0]!
      if (!target.startsWith(SRC + path.sep) || to === from) continue
      deps.add(to)
    }
  }
  return graph
}

/** The table under "## Layers": `| \`folder\` | \`a\`, \`b\` |` rows (a dash for none). */
function documentedLayers(): Map<string, Set<string>> {
  const doc = readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8')
  const section = doc.split(/^## /m).find((s) => s.startsWith('Layers'))
  if (!section) throw new Error('docs/ARCHITECTURE.md has no "## Layers" section')
  const rows = new Map<string, Set<string>>()
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([a-z]+)\/?`\s*\|([^|]*)\|/.exec(line)
    if (m) rows.set(m[1]!, new Set([...m[2]!.matchAll(/`([a-z]+)\/?`/g)].map((x) => x[1]!)))
  }
  return rows
}

const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))))

describe('docs/ARCHITECTURE.md', () => {
  it('names every src/ folder and exactly the folders each one imports', () => {
    expect(sorted(documentedLayers())).toEqual(sorted(importGraph()))
  })

  it('keeps the command line on top: only commands/ imports cli/, nothing imports commands/', () => {
    const upward = [...importGraph()].flatMap(([from, deps]) =>
      [...deps].filter((to) => to === 'commands' || (to === 'cli' && from !== 'commands')).map((to) => `${from} → ${to}`),
    )
    expect(upward).toEqual([])
  })

  it('has no import cycle between folders', () => {
    const graph = importGraph()
    const cycles: string[] = []
    const visit = (node: string, trail: string[]) => {
      if (trail.includes(node)) return cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '))
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node])
    }
    for (const node of graph.keys()) visit(node, [])
    expect(cycles).toEqual([])
  })
})

describe('command-line words', () => {
  it('appear only in src/commands and src/cli (libraries throw typed errors; the CLI names the flags)', () => {
    const offenders = sourceFiles(SRC)
      .filter((f) => !['commands', 'cli'].includes(folderOf(f)))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (/--[a-z]+\.[a-z_]+/.test(line) ? [`${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])),
      )
    expect(offenders).toEqual([])
  })
})
