/**
 * The subset of Python's pickle (protocols 2–4) that torch.save uses for a state_dict. Globals are resolved through
 * a caller-supplied table, so nothing outside it can be constructed; persistent ids go to a callback.
 */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`
  }
}

export interface PickleHooks {
  /** Called for REDUCE/NEWOBJ on a global: return the constructed value. */
  call(fn: PickleGlobal, args: unknown[]): unknown
  persistentLoad(pid: unknown): unknown
  /** BUILD (setstate) on a value; ignore what you do not need. */
  build?(obj: unknown, state: unknown): unknown
}

const MARK = Symbol('mark')

export function unpickle(buf: Buffer, hooks: PickleHooks): unknown {
  const stack: unknown[] = []
  const memo = new Map<number, unknown>()
  let p = 0
  const popMark = (): unknown[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === MARK) {
        const items = stack.splice(i)
        return items.slice(1)
      }
    }
    throw new Error('pickle: MARK not found')
  }
  const readLine = (): string => {
    const e = buf.indexOf(0x0a, p)
    const s = buf.toString('latin1', p, e)
    p = e + 1
    return s
  }
  const setItems = (target: unknown, kv: unknown[]) => {
    for (let i = 0; i < kv.length; i += 2) {
      if (target instanceof Map) target.set(kv[i], kv[i + 1])
      else (target as Record<string, unknown>)[String(kv[i])] = kv[i + 1]
    }
  }
  for (;;) {
    if (p >= buf.length) throw new Error('pickle: unexpected end of data')
    const op = buf[p++]!
    switch (op) {
      case 0x80: p += 1; break // PROTO
      case 0x95: p += 8; break // FRAME
      case 0x2e: return stack.pop() // STOP
      case 0x28: stack.push(MARK); break
      case 0x63: { // GLOBAL
        const mod = readLine()
        stack.push(new PickleGlobal(mod, readLine()))
        break
      }
      case 0x93: { // STACK_GLOBAL
        const name = stack.pop() as string
        stack.push(new PickleGlobal(stack.pop() as string, name))
        break
      }
      case 0x71: memo.set(buf[p++]!, stack.at(-1)); break // BINPUT
      case 0x72: memo.set(buf.readUInt32LE(p), stack.at(-1)); p += 4; break // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack.at(-1)); break // MEMOIZE
      case 0x68: stack.push(memo.get(buf[p++]!)); break // BINGET
      case 0x6a: stack.push(memo.get(buf.readUInt32LE(p))); p += 4; break // LONG_BINGET
      case 0x29: stack.push([]); break // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break // TUPLE
      case 0x85: stack.push([stack.pop()]); break // TUPLE1
      case 0x86: { const b = stack.pop(); stack.push([stack.pop(), b]); break } // TUPLE2
      case 0x87: { const c = stack.pop(), b = stack.pop(); stack.push([stack.pop(), b, c]); break } // TUPLE3
      case 0x5d: stack.push([]); break // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break // LIST
      case 0x7d: stack.push(new Map()); break // EMPTY_DICT
      case 0x64: { const m = new Map(); setItems(m, popMark()); stack.push(m); break } // DICT
      case 0x61: { const v = stack.pop(); (stack.at(-1) as unknown[]).push(v); break } // APPEND
      case 0x65: { const vs = popMark(); (stack.at(-1) as unknown[]).push(...vs); break } // APPENDS
      case 0x73: { const v = stack.pop(), k = stack.pop(); setItems(stack.at(-1), [k, v]); break } // SETITEM
      case 0x75: { const kv = popMark(); setItems(stack.at(-1), kv); break } // SETITEMS
      case 0x58: { const n = buf.readUInt32LE(p); p += 4; stack.push(buf.toString('utf8', p, p + n)); p += n; break } // BINUNICODE
      case 0x8c: { const n = buf[p++]!; stack.push(buf.toString('utf8', p, p + n)); p += n; break } // SHORT_BINUNICODE
      case 0x55: { const n = buf[p++]!; stack.push(buf.toString('latin1', p, p + n)); p += n; break } // SHORT_BINSTRING
      case 0x43: { const n = buf[p++]!; stack.push(buf.subarray(p, p + n)); p += n; break } // SHORT_BINBYTES
      case 0x42: { const n = buf.readUInt32LE(p); p += 4; stack.push(buf.subarray(p, p + n)); p += n; break } // BINBYTES
      case 0x4b: stack.push(buf[p++]!); break // BININT1
      case 0x4d: stack.push(buf.readUInt16LE(p)); p += 2; break // BININT2
      case 0x4a: stack.push(buf.readInt32LE(p)); p += 4; break // BININT
      case 0x8a: { // LONG1
        const n = buf[p++]!
        let v = 0n
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i]!)
        if (n > 0 && buf[p + n - 1]! & 0x80) v -= 1n << BigInt(8 * n)
        p += n
        stack.push(Number(v))
        break
      }
      case 0x47: stack.push(buf.readDoubleBE(p)); p += 8; break // BINFLOAT
      case 0x4e: stack.push(null); break // NONE
      case 0x88: stack.push(true); break // NEWTRUE
      case 0x89: stack.push(false); break // NEWFALSE
      case 0x51: stack.push(hooks.persistentLoad(stack.pop())); break // BINPERSID
      case 0x52: // REDUCE
      case 0x81: { // NEWOBJ
        const args = stack.pop() as unknown[]
        const fn = stack.pop()
        if (!(fn instanceof PickleGlobal)) throw new Error('pickle: REDUCE on a non-global')
        stack.push(hooks.call(fn, args))
        break
      }
      case 0x62: { // BUILD
        const state = stack.pop()
        const obj = stack.pop()
        stack.push(hooks.build ? hooks.build(obj, state) : obj)
        break
      }
      default:
        throw new Error(`pickle: unsupported opcode 0x${op.toString(16)} at byte ${p - 1}`)
    }
  }
}
