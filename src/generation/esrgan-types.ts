/**
 * Local copies of the shared shapes the ESRGAN source needs (RgbImage from src/image/, SyntheticSource from
 * src/generation/source.ts), structurally identical, until those modules land.
 */
export interface RgbImage {
  data: Uint8Array
  width: number
  height: number
}

export interface SyntheticSource {
  readonly name: string
  generate(opts: {prompt?: string; seed?: number; width?: number; height?: number; steps?: number; baseImage?: RgbImage}): Promise<{
    image: RgbImage
    meta: Record<string, unknown>
  }>
  dispose?(): Promise<void>
}
