#!/usr/bin/env node
// Writes test/fixtures/protocol/epistula-v2-request.json: one Epistula v2 request as BitMind's `generate_header`
// (bitmind-subnet gas/protocol/epistula.py at 56be51e2) builds it. The strings (sha256 of the body, the signed
// message, the secret-signature messages with their Python float) come from python3's hashlib/math applied to the
// f-strings of that file; the signatures from @polkadot/util-crypto's sr25519Sign (@scure/sr25519, pure JS), not
// the schnorrkel wasm our signer uses. Run once from the repo root: node scripts/epistula-fixture.mjs
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'

import {Keyring} from '@polkadot/keyring'
import {u8aToHex} from '@polkadot/util'
import {cryptoWaitReady, sr25519Sign} from '@polkadot/util-crypto'
import sharp from 'sharp'

const PYTHON_RULES = `
import hashlib, json, math, sys
body = sys.stdin.buffer.read()
timestamp, uuid, signed_for = int(sys.argv[1]), sys.argv[2], sys.argv[3]
interval = math.ceil(timestamp / 1e4) * 1e4
req_hash = hashlib.sha256(body).hexdigest()
print(json.dumps({
    "timestamp_header": str(timestamp),
    "body_sha256": req_hash,
    "message": f"{req_hash}.{uuid}.{timestamp}.{signed_for or ''}",
    "secret_messages": [str(interval - 1) + "." + signed_for, str(interval) + "." + signed_for, str(interval + 1) + "." + signed_for],
}))
`

await cryptoWaitReady()
const keyring = new Keyring({type: 'sr25519', ss58Format: 42})
const signer = keyring.addFromUri('//Alice')
const miner = keyring.addFromUri('//Bob')
const w = 24, h = 16
const raw = Buffer.alloc(w * h * 3)
for (let i = 0; i < raw.length; i++) raw[i] = (i * 53 + 7) & 0xff
const body = await sharp(raw, {raw: {width: w, height: h, channels: 3}}).jpeg({quality: 80}).toBuffer()
const timestamp = 1764633600123 // 2025-12-02T00:00:00.123Z
const uuid = '3f0c6a2e-5b7d-4c1e-9a8f-2d4b6e8a0c11'
const strings = JSON.parse(execFileSync('python3', ['-c', PYTHON_RULES, String(timestamp), uuid, miner.address], {input: body}).toString())
// the keyring pair's 64-byte secret, to call the JS signer directly
const {secretKey} = (await import('@polkadot/keyring/pair/decode')).decodePair(undefined, signer.encodePkcs8(), [])
const sign = (m) => u8aToHex(sr25519Sign(new TextEncoder().encode(m), {publicKey: signer.publicKey, secretKey}))

const fixture = {
  _source: 'BitMind-AI/bitmind-subnet gas/protocol/epistula.py at 56be51e29b08001f0dbaf7343154b270aaefd69a (generate_header, verify_signature, _verify_request); same rules in bitmind/epistula.py at v3.3.1 (736c035c)',
  _made_by: 'node scripts/epistula-fixture.mjs: strings by python3 3.11 hashlib/math from the f-strings of generate_header; sr25519 signatures by @polkadot/util-crypto 14.0.3 sr25519Sign (@scure/sr25519 0.2.0, pure JS) with the //Alice dev key. sr25519 signatures are randomised, so a rerun gives other (equally valid) signatures.',
  _notes: {
    timestamp: 'round(time.time() * 1000): integer milliseconds, sent as str()',
    message: '{sha256(body).hexdigest()}.{uuid}.{timestamp}.{signed_for}: verify_signature rebuilds it from int(Epistula-Timestamp)',
    signature: '"0x" + keypair.sign(message).hex(); bittensor_wallet Keypair.verify refuses a str signature without 0x',
    secret_messages: 'timestampInterval = ceil(ts / 1e4) * 1e4 is a Python float, so str() ends in .0; miners never check these',
    window: 'allowed_delta_ms = 15000: refused when timestamp + 15000 < now or timestamp - 15000 > now',
  },
  signer_uri: '//Alice',
  signed_by: signer.address,
  signed_for: miner.address,
  now_ms: timestamp + 2500,
  body_base64: body.toString('base64'),
  content_type: 'image/jpeg',
  ...strings,
  headers: {
    'Epistula-Version': '2',
    'Epistula-Timestamp': strings.timestamp_header,
    'Epistula-Uuid': uuid,
    'Epistula-Signed-By': signer.address,
    'Epistula-Request-Signature': sign(strings.message),
    'Epistula-Signed-For': miner.address,
    'Epistula-Secret-Signature-0': sign(strings.secret_messages[0]),
    'Epistula-Secret-Signature-1': sign(strings.secret_messages[1]),
    'Epistula-Secret-Signature-2': sign(strings.secret_messages[2]),
  },
}
writeFileSync('test/fixtures/protocol/epistula-v2-request.json', JSON.stringify(fixture, null, 2) + '\n')
console.log('wrote test/fixtures/protocol/epistula-v2-request.json', strings.message)
