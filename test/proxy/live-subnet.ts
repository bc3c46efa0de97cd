import {promises as fs} from 'node:fs'
import path from 'node:path'

import {DEFAULT_MODEL_PATH} from '../../src/config/paths.js'
import {FolderPool} from '../../src/data/folder-pool.js'
import {NprNet, buildNprOnnx, loadDetector} from '../../src/detector/index.js'
import {DEMO_PHOTOS, runLocalRound, type LiveSubnet} from '../../src/localnet/index.js'
import {resolveBackend} from '../../src/runtime/tfjs-backend.js'

export interface RunningSubnet {
  live: LiveSubnet
  /** ends the round's hook: the subnet shuts down */
  stop(): Promise<void>
}

/**
 * The demo's subnet (src/localnet/round.ts) held open: a devnet, a validator, the shipped detector and an
 * untrained NPR as miners after one validator step. The validator then weighs the miners 3:1 and an epoch runs, so
 * their incentives differ and the proxy's weighting shows.
 */
export async function startSubnet(workDir: string): Promise<RunningSubnet> {
  await resolveBackend(undefined)
  const net = new NprNet({seed: 1})
  const weakPath = path.join(workDir, 'npr-untrained.onnx')
  await fs.writeFile(weakPath, buildNprOnnx(net.stateDict(), {inputSize: 224}))
  net.dispose()
  const onnx = (p: string) => loadDetector(p, {threads: 1})
  const real = await FolderPool.open(DEMO_PHOTOS, {label: 0, name: 'demo-photos', recursive: false})
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  let ready!: (l: LiveSubnet) => void
  const liveP = new Promise<LiveSubnet>((r) => (ready = r))
  const round = runLocalRound({
    miners: [
      {name: 'shipped NPR', modelPath: DEFAULT_MODEL_PATH, load: onnx},
      {name: 'untrained NPR', modelPath: weakPath, load: onnx},
    ],
    data: {realPools: [real], fakeSources: [], size: 256},
    steps: 1,
    seed: 3,
    epochLength: 4,
    tempo: 6,
    timeoutS: 20,
    workDir,
    onRoundDone: async (live) => {
      const [shipped, weak] = live.miners
      await live.devnet.advance(2)
      await live.client.setWeights(live.validator.hotkey, live.netuid, [shipped!.uid, weak!.uid], [3, 1])
      await live.devnet.advance(8)
      ready(live)
      await released
    },
  })
  const live = await Promise.race([liveP, round.then(() => Promise.reject(new Error('the round ended before its hook ran')))])
  return {
    live,
    async stop() {
      release()
      await round
    },
  }
}
