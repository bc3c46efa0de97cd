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
export {augmentGeometric, type GeometryParams} from './augment.js'
export {
  applyDistortion,
  colorContrast,
  colorSaturation,
  DISTORTION_PARAMS,
  gaussianBlur,
  gaussianKernel,
  gaussianNoiseColor,
  jpegResample,
  resizeBilinearCv,
  type DistortionName,
} from './distortions.js'
export {
  augmentAtLevel,
  augmentChoice,
  AUGMENTATION_LEVELS,
  parseLevelChoice,
  pickLevel,
  type AugmentationLevel,
  type AugmentationRecord,
  type DistortionRecord,
  type LevelChoice,
} from './levels.js'
