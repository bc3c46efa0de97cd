import * as tf from '@tensorflow/tfjs'

import {centerCropResize, toNHWC, type RgbImage} from '../image/index.js'
import type {Detector} from './detector.js'
import type {NprNet} from './npr.js'

/** NPR on TensorFlow.js (the training engine): BitMind's transforms, x/255, no normalisation. */
export class TfjsDetector implements Detector {
  readonly engine = 'tfjs'

  constructor(readonly net: NprNet, readonly name: string, readonly inputSize = 224) {}

  async predict(images: RgbImage[]): Promise<number[]> {
    if (images.length === 0) return []
    const prepped = await Promise.all(images.map((im) => centerCropResize(im, this.inputSize)))
    const s = this.inputSize
    const x = tf.tensor4d(toNHWC(prepped), [prepped.length, s, s, 3])
    try {
      return await this.net.predictProbabilities(x)
    } finally {
      x.dispose()
    }
  }

  async dispose(): Promise<void> {
    this.net.dispose()
  }
}
