import {execFile} from 'node:child_process'
import {mkdir, readdir} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

/** Ask apt whether it knows a candidate version for `pkg` (an empty list after a fresh container needs `apt-get update`). */
async function hasCandidate(pkg: string): Promise<boolean> {
  try {
    const {stdout} = await run('apt-cache', ['policy', pkg])
    const m = /Candidate:\s*(\S+)/.exec(stdout)
    return m !== null && m[1] !== '(none)'
  } catch {
    return false
  }
}

/**
 * Fetch Debian packages with `apt-get download` into `workDir` and unpack each with `dpkg-deb -x` into
 * `workDir/<pkg>/`. Returns the unpack folder of each package. Nothing is installed on the system.
 */
export async function fetchDebianPackages(
  packages: readonly string[],
  workDir: string,
  log: (msg: string) => void = () => {},
): Promise<Map<string, string>> {
  await mkdir(workDir, {recursive: true})
  const missing = []
  for (const p of packages) if (!(await hasCandidate(p))) missing.push(p)
  if (missing.length > 0) {
    log(`apt has no candidate for ${missing.join(', ')}: running apt-get update`)
    await run('apt-get', ['update'], {maxBuffer: 64 << 20})
  }
  const debsDir = path.join(workDir, 'debs')
  await mkdir(debsDir, {recursive: true})
  log(`apt-get download ${packages.join(' ')}`)
  await run('apt-get', ['download', ...packages], {cwd: debsDir, maxBuffer: 64 << 20})
  const debs = await readdir(debsDir)
  const out = new Map<string, string>()
  for (const p of packages) {
    const deb = debs.find((f) => f.startsWith(`${p}_`) && f.endsWith('.deb'))
    if (!deb) throw new Error(`apt-get download did not produce a .deb for ${p}`)
    const dest = path.join(workDir, 'root', p)
    await mkdir(dest, {recursive: true})
    await run('dpkg-deb', ['-x', path.join(debsDir, deb), dest])
    out.set(p, dest)
  }
  return out
}
