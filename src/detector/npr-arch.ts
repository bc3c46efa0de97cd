/** NPR's layers and state_dict layout (no tensors here: the ONNX exporter and the tfjs network share it). */
export interface ConvDef {
  kind: 'conv'
  key: string
  inC: number
  outC: number
  k: number
}

export interface BnDef {
  kind: 'bn'
  key: string
  c: number
}

export interface BlockDef {
  prefix: string
  inC: number
  planes: number
  stride: number
  downsample: boolean
}

/** layer1: 3 bottlenecks 64→256; layer2: 4 bottlenecks 128→512, stride 2 in block 0. */
export function nprBlocks(): BlockDef[] {
  const blocks: BlockDef[] = []
  let inC = 64
  for (const [layer, planes, count, stride] of [[1, 64, 3, 1], [2, 128, 4, 2]] as const) {
    for (let i = 0; i < count; i++) {
      const s = i === 0 ? stride : 1
      blocks.push({prefix: `layer${layer}.${i}`, inC, planes, stride: s, downsample: i === 0 && (s !== 1 || inC !== planes * 4)})
      inC = planes * 4
    }
  }
  return blocks
}

/** Every parameter in state_dict order. */
export function nprLayout(): Array<ConvDef | BnDef | {kind: 'fc'}> {
  const defs: Array<ConvDef | BnDef | {kind: 'fc'}> = [
    {kind: 'conv', key: 'conv1', inC: 3, outC: 64, k: 3},
    {kind: 'bn', key: 'bn1', c: 64},
  ]
  for (const b of nprBlocks()) {
    const p = b.prefix
    defs.push(
      {kind: 'conv', key: `${p}.conv1`, inC: b.inC, outC: b.planes, k: 1},
      {kind: 'bn', key: `${p}.bn1`, c: b.planes},
      {kind: 'conv', key: `${p}.conv2`, inC: b.planes, outC: b.planes, k: 3},
      {kind: 'bn', key: `${p}.bn2`, c: b.planes},
      {kind: 'conv', key: `${p}.conv3`, inC: b.planes, outC: b.planes * 4, k: 1},
      {kind: 'bn', key: `${p}.bn3`, c: b.planes * 4},
    )
    if (b.downsample) {
      defs.push({kind: 'conv', key: `${p}.downsample.0`, inC: b.inC, outC: b.planes * 4, k: 1}, {kind: 'bn', key: `${p}.downsample.1`, c: b.planes * 4})
    }
  }
  defs.push({kind: 'fc'})
  return defs
}

/** The state_dict keys and PyTorch shapes of NPR, in order (146 keys). */
export function nprStateDictShapes(): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = []
  for (const d of nprLayout()) {
    if (d.kind === 'conv') out.push([`${d.key}.weight`, [d.outC, d.inC, d.k, d.k]])
    else if (d.kind === 'bn') {
      for (const s of ['weight', 'bias', 'running_mean', 'running_var']) out.push([`${d.key}.${s}`, [d.c]])
      out.push([`${d.key}.num_batches_tracked`, []])
    } else out.push(['fc1.weight', [1, 512]], ['fc1.bias', [1]])
  }
  return out
}
