/**
 * Real photographs shipped in Debian packages (bookworm), picked by eye: photographs only (no vector art, no
 * renders, no paintings), and one file per scene (stereo pairs, calibration series and edited copies keep one
 * member, so no scene can land in two splits). Paths are inside the extracted package.
 */
export interface PhotoPackage {
  readonly package: string
  readonly files: readonly string[]
}

const MATE = 'usr/share/backgrounds/mate/nature/'
const LOMIRI = 'usr/share/backgrounds/'
const PLASMA = 'usr/share/wallpapers/'
const PALAPELI = 'usr/share/palapeli/collection/'
const OPENCV = 'usr/share/doc/opencv-doc/examples/data/'
const SKIMAGE = 'usr/lib/python3/dist-packages/skimage/data/'

export const PHOTO_CATALOG: readonly PhotoPackage[] = [
  {
    package: 'mate-backgrounds',
    files: ['Aqua', 'Blinds', 'Dune', 'FreshFlower', 'Garden', 'GreenMeadow', 'LadyBird', 'RainDrops', 'Storm', 'TwoWings', 'Wood', 'YellowFlower'].map(
      (n) => `${MATE}${n}.jpg`,
    ),
  },
  {
    package: 'lomiri-wallpapers-16.04',
    files: [
      'Bridge_by_Sander_Klootwijk',
      'Dragonfly_by_Bolly',
      'Picture_0B_by_freespace',
      'Picture_1A_by_freespace',
      'Wine_by_Jakkub_Mede',
      'aitzgorri_by_Aitzol_Berasategi',
      'friends_by_Aitzol_Berasategi',
      'life_by_Aitzol_Berasategi',
      'picosdeeuropa_by_Aitzol_Berasategi',
      'seeding_by_Clements_Engelhardt',
      'sunset_by_Aitzol_Berasategi',
    ].map((n) => `${LOMIRI}${n}.jpg`),
  },
  {
    package: 'plasma-workspace-wallpapers',
    files: ['BytheWater', 'ColdRipple', 'ColorfulCups', 'DarkestHour', 'EveningGlow', 'FallenLeaf', 'Grey', 'OneStandsOut', 'Path', 'summer_1am'].map(
      (n) => `${PLASMA}${n}/contents/images/2560x1600.jpg`,
    ),
  },
  {
    package: 'palapeli-data',
    files: ['castle-maintenon', 'cincinnati-bridge', 'citrus-fruits', 'european-honey-bee', 'panther-chameleon-female'].map((n) => `${PALAPELI}${n}.jpg`),
  },
  {
    package: 'opencv-doc',
    files: [
      'aero1.jpg',
      'aero3.jpg',
      'aloeL.jpg',
      'apple.jpg',
      'baboon.jpg',
      'basketball1.png',
      'board.jpg',
      'box.png',
      'box_in_scene.png',
      'building.jpg',
      'butterfly.jpg',
      'chicky_512.png',
      'ela_original.jpg',
      'fruits.jpg',
      'graf1.png',
      'home.jpg',
      'left.jpg',
      'left01.jpg',
      'leuvenA.jpg',
      'licenseplate_motion.jpg',
      'messi5.jpg',
      'orange.jpg',
      'rubberwhale1.png',
      'squirrel_cls.jpg',
      'stuff.jpg',
    ].map((n) => `${OPENCV}${n}`),
  },
  {
    package: 'python3-skimage',
    files: ['astronaut.png', 'brick.png', 'camera.png', 'chelsea.png', 'coffee.png', 'coins.png', 'grass.png', 'gravel.png', 'hubble_deep_field.jpg', 'moon.png', 'motorcycle_left.png', 'rocket.jpg'].map(
      (n) => `${SKIMAGE}${n}`,
    ),
  },
]
