import type {RgbImage} from '../image/index.js'

/** What runs a detector's graph: ONNX Runtime, or TensorFlow.js (the training engine). */
export type Engine = 'onnx' | 'tfjs'

/** A batch of images in, one probability of "AI-generated" per image out. */
export interface Detector {
  readonly name: string
  readonly engine: Engine
  readonly inputSize: number
  predict(images: RgbImage[]): Promise<number[]>
  dispose(): Promise<void>
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x))
}
