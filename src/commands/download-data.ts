import path from 'node:path'

import {Flags} from '@oclif/core'

import {BitmindCommand} from '../cli/base-command.js'
import {cliMessage} from '../cli/messages/index.js'
import {backendFlag, loggingFlags} from '../cli/flags.js'
import {defaultCacheDir, expandHome} from '../config/paths.js'
import {Progress} from '../config/progress.js'
import {downloadDataset, listDatasetParquet, type DatasetDownloadResult} from '../data/download.js'
import {DEFAULT_HF_ENDPOINT} from '../data/hub.js'
import {buildOfflineCorpus, type CorpusSummary} from '../data/offline-corpus.js'
import {formatBytes, parseByteSize} from '../data/progress.js'
import {loadRegistry, selectDatasets} from '../data/registry.js'

export default class DownloadData extends BitmindCommand {
  static override summary = 'Download image datasets from the Hugging Face hub, or build the offline real-vs-ESRGAN corpus'
  static override description = `Lists each dataset's parquet files through the hub API and downloads them into the cache
(resumable: bytes go to <file>.part and are renamed once complete and checksum-verified). Datasets come from the built-in
registry plus your own in ~/.config/bitmind/datasets.json ({"datasets": [{"id": "owner/name", "label": "real"}]}).

With --offline-corpus, no hub is used: photographs from Debian packages (apt-get download) are cut into crops and the
ESRGAN generators of @upscalerjs/esrgan-slim and -medium make the generated half.`

  static override examples = [
    '<%= config.bin %> download-data --datasets bitmind/ffhq-256 --max-rows 2000',
    '<%= config.bin %> download-data --max-bytes 2G --cache-dir /data/bitmind',
    '<%= config.bin %> download-data --list',
    '<%= config.bin %> download-data --offline-corpus ~/bitmind-corpus --size 224',
  ]

  static override flags = {
    ...loggingFlags,
    datasets: Flags.string({description: 'comma-separated dataset ids (or short names) from the registry; default: all'}),
    'cache-dir': Flags.string({description: 'where datasets are stored', default: defaultCacheDir(), env: 'BITMIND_CACHE_DIR'}),
    endpoint: Flags.string({description: 'hub endpoint or mirror', default: DEFAULT_HF_ENDPOINT, env: 'HF_ENDPOINT'}),
    token: Flags.string({description: 'Hugging Face token for gated or private sets', env: 'HF_TOKEN'}),
    'max-rows': Flags.integer({description: 'per dataset: stop once this many rows are on disk (whole files)', min: 1}),
    'max-bytes': Flags.string({description: 'per dataset: stop before exceeding this size (e.g. 500MB, 2G; whole files)'}),
    retries: Flags.integer({description: 'retries for 5xx, 429 and network errors (exponential backoff)', default: 5, min: 0}),
    config: Flags.string({description: 'dataset registry file to merge over the defaults'}),
    list: Flags.boolean({description: 'only list the parquet files each dataset would download', default: false}),
    'offline-corpus': Flags.string({description: 'build the offline corpus into this folder instead of downloading'}),
    size: Flags.integer({description: 'offline corpus: crop size in pixels', default: 224, min: 32}),
    'per-class': Flags.integer({description: 'offline corpus: crops per class (real, generated)', default: 2500, min: 10}),
    seed: Flags.integer({description: 'offline corpus: seed for crops, generators and the split', default: 0}),
    ...backendFlag,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(DownloadData)
    const log = this.makeLogger(flags['logging.debug'])
    if (flags['offline-corpus']) return this.corpus(flags['offline-corpus'], flags, (m) => log.info(m))

    let registry
    let specs
    let maxBytes: number | undefined
    try {
      registry = await loadRegistry(flags.config)
      specs = selectDatasets(registry, flags.datasets?.split(',').map((s) => s.trim()).filter(Boolean))
      maxBytes = flags['max-bytes'] ? parseByteSize(flags['max-bytes']) : undefined
    } catch (error) {
      this.fail(error)
    }
    const cacheDir = path.resolve(expandHome(flags['cache-dir']))
    const hub = {endpoint: flags.endpoint, token: flags.token, retries: flags.retries, log: (m: string) => log.warn(m)}

    if (flags.list) {
      const listing = []
      for (const spec of specs) {
        try {
          const files = await listDatasetParquet(spec, hub)
          const bytes = files.reduce((a, f) => a + (f.size ?? 0), 0)
          this.log(`${spec.id} (${spec.label}, split ${spec.split}): ${files.length} parquet files, ${formatBytes(bytes)}`)
          for (const f of files) this.log(`  ${f.path}  ${f.size === undefined ? '?' : formatBytes(f.size)}${f.sha256 ? '  sha256 ' + f.sha256.slice(0, 12) + '…' : ''}`)
          listing.push({dataset: spec.id, files: files.map((f) => ({path: f.path, size: f.size, sha256: f.sha256}))})
        } catch (error) {
          this.fail(error)
        }
      }
      return {datasets: listing}
    }

    const results: DatasetDownloadResult[] = []
    for (const [di, spec] of specs.entries()) {
      let planned: number | undefined
      let doneBefore = 0
      let fileLabel = ''
      let fileTotal: number | undefined
      const label = `[${di + 1}/${specs.length} ${spec.id}]`
      // one bar per dataset over the bytes planned (sizes from the listing); the note is the file being fetched
      let bar: Progress | undefined
      const show = (allDone: number, fileDone: number, fileSize?: number) => {
        bar ??= new Progress({label, total: planned, count: formatBytes, everyMs: 5000})
        bar.update(allDone, `${fileLabel} ${formatBytes(fileDone)}${fileSize === undefined ? '' : `/${formatBytes(fileSize)}`}`)
      }
      try {
        const r = await downloadDataset(spec, {
          ...hub,
          cacheDir,
          maxRows: flags['max-rows'],
          maxBytes,
          onListed: (files) => {
            const sizes = files.map((f) => f.size)
            if (sizes.every((s) => s !== undefined)) {
              let sum = 0
              for (const s of sizes as number[]) if (maxBytes === undefined || sum + s <= maxBytes) sum += s
              planned = sum
            }
          },
          onFileStart: (i, n, f) => {
            fileLabel = `file ${i + 1}/${n} ${f.path}`
            fileTotal = f.size
          },
          onProgress: (p) => show(doneBefore + p.done, p.done, p.total ?? fileTotal),
          onFileDone: (_i, _n, res) => {
            doneBefore += res.bytes
            show(doneBefore, res.bytes, res.bytes)
          },
        })
        bar?.finish()
        results.push(r)
        this.log(
          `${spec.id}: ${r.files.length} files, ${r.rows} rows, ${formatBytes(r.bytes)} in ${r.dir}` +
            (r.fetched < r.bytes ? ` (${formatBytes(r.fetched)} fetched now)` : '') +
            (r.skipped > 0 ? `; ${r.skipped} more files left out by --max-rows/--max-bytes` : ''),
        )
      } catch (error) {
        bar?.finish()
        this.fail(`${spec.id}: ${cliMessage(error)}`)
      }
    }
    return {
      cacheDir,
      datasets: results.map((r) => ({dataset: r.dataset, dir: r.dir, files: r.files.map((f) => ({path: f.remotePath, bytes: f.bytes, rows: f.rows, verified: f.verified})), rows: r.rows, bytes: r.bytes})),
    }
  }

  private async corpus(
    dir: string,
    flags: {size: number; 'per-class': number; seed: number; backend?: string},
    log: (m: string) => void,
  ): Promise<CorpusSummary> {
    let s: CorpusSummary
    // made at the first crop: fetching and unpacking the packages come first and log on their own
    let bar: Progress | undefined
    try {
      s = await buildOfflineCorpus({
        outDir: expandHome(dir),
        size: flags.size,
        perClass: flags['per-class'],
        seed: flags.seed,
        backend: flags.backend,
        log,
        onProgress: (p) => {
          bar ??= new Progress({label: 'offline corpus', unit: 'crops', total: p.total, everyMs: 10_000})
          bar.setTotal(p.total)
          bar.update(p.done, `photo ${p.photo}/${p.photos}`)
        },
      })
    } catch (error) {
      bar?.finish()
      this.fail(error)
    }
    bar?.finish()
    this.log(`offline corpus in ${s.outDir} (${s.size}x${s.size} PNG, ${s.photos} photos, ${s.seconds} s); manifest: ${path.join(s.outDir, 'manifest.jsonl')}`)
    this.log(`split   photos   real   fake`)
    for (const split of ['train', 'val', 'test'] as const)
      this.log(`${split.padEnd(7)} ${String(s.photosPerSplit[split]).padStart(6)} ${String(s.counts[split].real).padStart(6)} ${String(s.counts[split].fake).padStart(6)}`)
    this.log(`total   ${String(s.photos).padStart(6)} ${String(s.total.real).padStart(6)} ${String(s.total.fake).padStart(6)}`)
    this.log(`generators: ${Object.entries(s.generators).sort().map(([g, n]) => `${g} ${n}`).join(', ')}`)
    this.log(`photos per package: ${Object.entries(s.packages).map(([p, n]) => `${p} ${n}`).join(', ')}`)
    return s
  }
}
