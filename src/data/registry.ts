import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {z} from 'zod'

import {expandHome} from '../config/paths.js'
import {settings} from '../config/settings.js'

export const DatasetUse = z.enum(['validator', 'train', 'eval'])

/** One Hugging Face dataset the subnet reads images from. */
export const DatasetSpec = z.object({
  /** Hugging Face id, `owner/name` */
  id: z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'expected owner/name'),
  split: z.string().min(1).default('train'),
  label: z.enum(['real', 'synthetic']),
  imageColumn: z.string().min(1).default('image'),
  revision: z.string().min(1).default('main'),
  use: z.array(DatasetUse).min(1).default(['validator', 'train']),
  description: z.string().optional(),
})
export type DatasetSpec = z.infer<typeof DatasetSpec>

const UserConfig = z.object({datasets: z.array(DatasetSpec)})

/** BitMind's datasets (docs/ARCHITECTURE.md § Challenges and scoring): real photographs for challenges and training, SDXL-class images for training. */
export const DEFAULT_DATASETS: readonly DatasetSpec[] = [
  {id: 'bitmind/open-images-v7', split: 'train', label: 'real', imageColumn: 'image', revision: 'main', use: ['validator', 'train'], description: 'Open Images V7 photographs'},
  {id: 'bitmind/ffhq-256', split: 'train', label: 'real', imageColumn: 'image', revision: 'main', use: ['validator', 'train'], description: 'FFHQ faces at 256²'},
  {id: 'bitmind/celeb-a-hq', split: 'train', label: 'real', imageColumn: 'image', revision: 'main', use: ['validator', 'train'], description: 'CelebA-HQ faces'},
  {id: 'bitmind/realvis-xl', split: 'train', label: 'synthetic', imageColumn: 'image', revision: 'main', use: ['train'], description: 'RealVisXL generations'},
  {id: 'bitmind/stable-diffusion-xl', split: 'train', label: 'synthetic', imageColumn: 'image', revision: 'main', use: ['train'], description: 'Stable Diffusion XL generations'},
]

export function defaultRegistryConfigPath(): string {
  return path.join(settings.configDir, 'datasets.json')
}

/**
 * The default datasets plus the user's (`{"datasets": [...]}` in `configPath`, by default
 * ~/.config/bitmind/datasets.json). A user entry with a default's id replaces it. A missing default-path file
 * is fine; a missing explicit path or an invalid file is an error naming the file.
 */
export async function loadRegistry(configPath?: string): Promise<DatasetSpec[]> {
  const file = expandHome(configPath ?? defaultRegistryConfigPath())
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || configPath) throw new Error(`cannot read dataset config ${file}: ${(error as Error).message}`)
  }
  const byId = new Map(DEFAULT_DATASETS.map((d) => [d.id, {...d}]))
  if (text !== undefined) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new Error(`dataset config ${file} is not JSON: ${(error as Error).message}`)
    }
    const parsed = UserConfig.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new Error(`dataset config ${file}: ${issue.path.join('.')}: ${issue.message}`)
    }
    for (const d of parsed.data.datasets) byId.set(d.id, d)
  }
  return [...byId.values()]
}

/** Pick datasets by id (or the part after the slash); unknown names are an error that lists the known ones. */
export function selectDatasets(registry: readonly DatasetSpec[], names?: readonly string[]): DatasetSpec[] {
  if (!names || names.length === 0) return [...registry]
  return names.map((n) => {
    const hit = registry.find((d) => d.id === n) ?? registry.find((d) => d.id.split('/')[1] === n)
    if (!hit) throw new Error(`unknown dataset "${n}"; known: ${registry.map((d) => d.id).join(', ')} (add others in ${defaultRegistryConfigPath()})`)
    return hit
  })
}

/** 0 = real, 1 = synthetic, as ImagePool labels and challenge labels use. */
export function labelNumber(spec: Pick<DatasetSpec, 'label'>): 0 | 1 {
  return spec.label === 'real' ? 0 : 1
}
