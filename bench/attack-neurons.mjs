// bench/attack.mjs's neuron cases: chain restarts under `bitmind mine` + `validate`, and SIGKILLs of the validator.
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {connectSubtensor} from '../dist/chain/index.js'
import {createRng} from '../dist/config/random.js'
import {startDevnet} from '../dist/devnet/index.js'
import {loadState} from '../dist/validator/state.js'
import {faultGenesis, freePort, killLoop, registerNeurons, sleep, spawnBitmind, writeImages} from './attack-lib.mjs'

const count = (text, re) => text.split('\n').filter((l) => re.test(l)).length
const wallet = (dir, name) => ['--wallet.name', name, '--wallet.hotkey', 'default', '--wallet.path', dir]

async function neurons(tmp, url) {
  const wallets = path.join(tmp, 'wallets')
  const n = await registerNeurons(url, wallets, ['validator', 'miner'], {stake: {validator: 500}})
  await writeImages(path.join(tmp, 'real'), 230)
  await writeImages(path.join(tmp, 'fake'), 20)
  const mine = spawnBitmind(['mine', '--netuid', '1', '--subtensor.chain_endpoint', url, ...wallet(wallets, 'miner'),
    '--axon.port', String(await freePort()), '--axon.ip', '127.0.0.1', '--axon.external_ip', '127.0.0.1', '--neuron.model_path', 'models/npr.onnx'])
  await mine.waitFor(/miner running/, 120_000)
  const vDir = path.join(tmp, 'validator')
  const validateArgs = ['validate', '--netuid', '1', '--subtensor.chain_endpoint', url, ...wallet(wallets, 'validator'),
    '--neuron.full_path', vDir, '--data.real_dir', path.join(tmp, 'real'), '--data.synthetic_dir', path.join(tmp, 'fake'),
    '--neuron.sample_size', '1', '--neuron.timeout', '3', '--neuron.epoch_length', '4']
  return {n, mine, vDir, validateArgs}
}

/** `restarts` times: SIGKILL the devnet under running neurons, wait, restart it on the same port from its --state. */
export async function chainRestarts(tmp, restarts, log) {
  await fs.mkdir(tmp, {recursive: true})
  const port = await freePort()
  const url = `ws://127.0.0.1:${port}`
  const stateFile = path.join(tmp, 'devnet-state.json')
  const genesisFile = path.join(tmp, 'genesis.json')
  await fs.writeFile(genesisFile, JSON.stringify(faultGenesis()))
  const startChain = async () => {
    const c = spawnBitmind(['devnet', '--port', String(port), '--state', stateFile, '--block-time', '1', '--genesis', genesisFile])
    const m = await c.waitFor(/listening on \S+ \(block #(\d+)/, 60_000)
    return {c, block: Number(m[1])}
  }
  let chain = (await startChain()).c
  const {n, mine, vDir, validateArgs} = await neurons(tmp, url)
  const validate = spawnBitmind([...validateArgs, '--neuron.step_interval', '0.3'])
  const rows = []
  try {
    await validate.waitFor(/weights set/, 120_000)
    for (let i = 0; i < restarts; i++) {
      const probe = await connectSubtensor(url)
      const blockAtKill = await probe.currentBlock()
      await probe.close()
      const vFrom = validate.log().length
      const mFrom = mine.log().length
      const before = await loadState(vDir)
      chain.child.kill('SIGKILL')
      await chain.exited
      const outageMs = 3000 + i * 4000
      await sleep(outageMs)
      const r = await startChain()
      chain = r.c
      await validate.waitFor(/chain connection restored/, 60_000, vFrom)
      await mine.waitFor(/chain connection restored/, 60_000, mFrom)
      const restoredAt = validate.log().indexOf('chain connection restored', vFrom)
      await validate.waitFor(/weights set/, 60_000, restoredAt)
      const after = await loadState(vDir)
      const vLog = validate.log().slice(vFrom)
      const mLog = mine.log().slice(mFrom)
      const c2 = await connectSubtensor(url)
      const mg = await c2.metagraph(1)
      await c2.close()
      rows.push({
        restart: i + 1,
        outageS: outageMs / 1000,
        blocksLost: blockAtKill - r.block,
        lostLines: count(vLog, /chain connection lost/) + count(mLog, /chain connection lost/),
        restoredLines: count(vLog, /chain connection restored/) + count(mLog, /chain connection restored/),
        polkadotLines: count(vLog + mLog, /API-WS|RPC-CORE|API\/INIT/),
        attempts: Number(/chain connection restored.*attempts=(\d+)/.exec(vLog)?.[1]),
        stepsDuringOutage: after.step - before.step,
        scoresKept: after.scores.length === before.scores.length && after.step > before.step,
        weightsAfter: mg.lastUpdate[n.validator.uid] > r.block,
      })
    }
  } finally {
    await validate.stop('SIGKILL')
    await mine.stop('SIGKILL')
    await chain.stop('SIGKILL')
  }
  log(`\n## chain restarts: devnet SIGKILLed and restarted on the same port (1 s blocks), bitmind mine + validate running\n`)
  log('| restart | outage | blocks lost | "lost" lines (mine+validate) | "restored" lines | polkadot retry lines | reconnect attempts | validator steps during it | scores kept | weights set after |')
  log('|---|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) {
    log(`| ${r.restart} | ${r.outageS} s | ${r.blocksLost} | ${r.lostLines} | ${r.restoredLines} | ${r.polkadotLines} | ${r.attempts} | ${r.stepsDuringOutage} | ${r.scoresKept ? 'yes' : 'NO'} | ${r.weightsAfter ? 'yes' : 'NO'} |`)
  }
  return rows
}

/** `runs` SIGKILLs of `bitmind validate` at seeded random points, then one clean run that must find everything whole. */
export async function validatorKills(tmp, runs, log) {
  await fs.mkdir(tmp, {recursive: true})
  const devnet = await startDevnet({port: 0, blockTimeMs: 0, genesis: faultGenesis()})
  const {mine, vDir, validateArgs} = await neurons(tmp, devnet.url)
  try {
    const args = [...validateArgs, '--neuron.disable_set_weights']
    const t0 = performance.now()
    const {rows, violations, savedStep} = await killLoop({args, stateDir: vDir, runs, random: createRng(18), maxDelayMs: 3000, loadState})
    const last = spawnBitmind([...args, '--neuron.steps', '1'])
    const {code} = await last.exited
    const final = await loadState(vDir)
    const steps = (await fs.readFile(path.join(vDir, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step)
    const contiguous = steps.every((s, i) => s === i) && steps.length === final.step
    log(`\n## power loss: bitmind validate SIGKILLed ${runs} times at random points (0–3 s after start-up), ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
    log('| runs | kills mid-run with steps saved | kills before the first step | torn last lines left | state unreadable | wrong resume | steps saved | final clean run | results rows = saved steps, once each |')
    log('|---|---|---|---|---|---|---|---|---|')
    log(`| ${runs} | ${rows.filter((r) => r.stepsSaved > 0).length} | ${rows.filter((r) => r.stepsSaved === 0).length} | ${rows.filter((r) => r.tornLine).length} | ${violations.filter((v) => /unreadable|not JSON/.test(v)).length} | ${violations.filter((v) => /resum|went back/.test(v)).length} | ${savedStep} | exit ${code}, resumed at ${savedStep} | ${contiguous ? 'yes' : 'NO'} (${steps.length} rows) |`)
    if (violations.length) log(`violations:\n${violations.join('\n')}`)
    return {rows, violations, contiguous}
  } finally {
    await mine.stop('SIGKILL')
    await devnet.stop()
  }
}
