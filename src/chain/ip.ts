import net from 'node:net'

/** An IP as the chain stores it: u128 plus ip_type 4 or 6. */
export function ipToInt(ip: string): {value: bigint; ipType: 4 | 6} {
  const v = net.isIP(ip)
  if (v === 4) return {value: ip.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n), ipType: 4}
  if (v === 6) {
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined]
    const h = head ? head.split(':') : []
    const t = tail ? tail.split(':') : []
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    return {value: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n), ipType: 6}
  }
  throw new Error(`"${ip}" is not an IPv4 or IPv6 address`)
}

export function intToIp(value: bigint, ipType: number): string {
  if (ipType === 6) {
    const g: string[] = []
    for (let i = 7; i >= 0; i--) g.push(((value >> BigInt(16 * i)) & 0xffffn).toString(16))
    return g.join(':')
  }
  return [24, 16, 8, 0].map((s) => Number((value >> BigInt(s)) & 0xffn)).join('.')
}
