export {ImageDecodeError, type RgbImage} from './types.js'
export {decodeImage, DEFAULT_MAX_PIXELS} from './decode.js'
export {
  centerCropResize,
  centerSquareBox,
  crop,
  encodeJpeg,
  encodePng,
  flipHorizontal,
  flipVertical,
  resize,
  rotate,
  toNCHW,
  toNHWC,
  writeNCHW,
  writeNHWC,
  type Normalisation,
} from './transform.js'
export {augmentChallenge, augmentTrain, randomResizedCropBox} from './augment.js'
