// bench/axon-sr25519: CPU cost of one sr25519 sign and verify, schnorrkel wasm vs util-crypto 14's pure-JS path.
// Usage: npx tsc -p tsconfig.build.json && node bench/axon-sr25519.mjs [iterations=500]
import {Keyring} from '@polkadot/keyring'
import {u8aToHex} from '@polkadot/util'
import {cryptoWaitReady, sr25519Verify} from '@polkadot/util-crypto'

import {signingReady, signMessage, verifyMessage} from '../dist/protocol/index.js'

const n = Number(process.argv[2] ?? 500)
await cryptoWaitReady()
await signingReady()
const pair = new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri('//Alice')
const message = `${Date.now()}000000.${pair.address}.${pair.address}.6e1f0ab4-8c1e-4a7f-9d0e-3c5b7f2a9e11.a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a`
const bytes = new TextEncoder().encode(message)
const sig = signMessage(pair, message)
const cpuMs = (f) => {
  for (let i = 0; i < 20; i++) f()
  const c = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const d = process.cpuUsage(c)
  return Number(((d.user + d.system) / 1000 / n).toFixed(3))
}
console.log(JSON.stringify({
  iterations: n,
  wasmVerifyMs: cpuMs(() => verifyMessage(message, sig, pair.address)),
  jsVerifyMs: cpuMs(() => sr25519Verify(bytes, sig, pair.publicKey)),
  wasmSignMs: cpuMs(() => signMessage(pair, message)),
  jsSignMs: cpuMs(() => u8aToHex(pair.sign(bytes))),
}))
