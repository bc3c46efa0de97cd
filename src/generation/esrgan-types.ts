import type {RgbImage} from '../image/index.js'

/**
 * The generation engineer's SyntheticSource (src/generation/source.ts), structurally identical, until that file
 * lands.
 */
export interface SyntheticSource {
  readonly name: string
  generate(opts: {prompt?: string; seed?: number; width?: number; height?: number; steps?: number; baseImage?: RgbImage}): Promise<{
    image: RgbImage
    meta: Record<string, unknown>
  }>
  dispose?(): Promise<void>
}
