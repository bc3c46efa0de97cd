import {Keyring} from '@polkadot/keyring'
import type {KeyringPair} from '@polkadot/keyring/types'
import {cryptoWaitReady} from '@polkadot/util-crypto'
import sharp from 'sharp'

export async function devPair(uri: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  return new Keyring({type: 'sr25519', ss58Format: 42}).addFromUri(uri)
}

export async function jpegBase64(width = 32, height = 32): Promise<string> {
  const data = Buffer.alloc(width * height * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0xff
  const jpeg = await sharp(data, {raw: {width, height, channels: 3}}).jpeg({quality: 75}).toBuffer()
  return jpeg.toString('base64')
}

/** A PNG whose header claims 30000×30000 pixels: a decompression bomb by its declared size. */
export function bombPngBase64(): string {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(30000, 0)
  ihdr.writeUInt32BE(30000, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(16)), chunk('IEND', Buffer.alloc(0))]).toString('base64')
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}
