#!/usr/bin/python3
"""Remakes test/fixtures/npr-parity/: the PyTorch side of the NPR parity tests.

What it writes (and nothing else):
  npr-random.pth   a state_dict of the NPR network (docs/ARCHITECTURE.md § Detector: NPR residual x - up2(down2(x)), times 2/3,
                   stride-2 stem, ResNet-50 bottlenecks layer1 x3 and layer2 x4, global average pool, fc1 512->1)
                   with PyTorch's default random initialisation under a fixed seed, random BatchNorm scales and
                   shifts, and BatchNorm running statistics measured on 8 separate seeded calibration images (one
                   train-mode pass, cumulative average), so that activations stay in range and the four test images
                   get clearly different logits; saved with torch.save (zip format).
                   The weights are random: this checkpoint detects nothing, it only pins the arithmetic.
  img{0..3}.png    224x224 RGB test images made here from a seeded generator: a colour gradient plus per-pixel
                   noise (even indices) or plus 4x4-block noise (odd indices, so the up-sampling residual differs).
  expected.json    the logit and sigmoid probability PyTorch computes for each PNG after BitMind's miner
                   transforms: RGB, centre crop to the shorter side, resize to 224 (both identities for a 224x224
                   image), ToTensor (x/255), no mean/std normalisation; eval mode, float32, CPU.

How: Debian's PyTorch, run by the system Python (no pip, no internet beyond the apt mirror):
  apt-get update && apt-get install -y python3-torch python3-numpy python3-pil
  /usr/bin/python3 scripts/make-npr-parity.py [out_dir]      # default out_dir: test/fixtures/npr-parity
The set committed in the repository is the project's original PyTorch 1.13 reference (the same network, 224x224
PNGs and BitMind transforms), made before this script existed: its weights and images are not byte-for-byte what
this script writes. This script writes a new, self-consistent set (weights, images and logits together) that the
same tests accept: run with Debian bookworm's torch 1.13.0a0 on 2026-12-02, the parity tests (test/detector/onnx,
test/detector/weights-io, test/cli/predict) passed on its output. Commit all files of one run together.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npr_torch import Npr  # noqa: E402  (the one PyTorch NPR of the repo)

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 224
SEED = 0




def random_network():
    torch.manual_seed(SEED)
    net = Npr()
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.1, 0.1)
            m.momentum = None  # cumulative average: the running stats become exactly this batch's
        # made-up running statistics make a random ResNet's activations vanish or explode; measure them instead
        calib = np.random.default_rng(SEED + 1)
        net.train()
        net(torch.stack([bitmind_transform(make_image(calib, i)) for i in range(8)]))
    for m in bns:
        m.momentum = 0.1
    return net.eval()


def make_image(rng, index):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) / (SIZE - 1)
    a, b, c = rng.random(3)
    base = np.stack([a + (1 - a) * xx, b * (1 - yy) + (1 - b) * yy, c + (1 - c) * (xx * yy)], axis=-1) * 220
    if index % 2 == 0:
        noise = rng.normal(0, 18, (SIZE, SIZE, 3))
    else:
        block = 4
        noise = rng.normal(0, 30, (SIZE // block, SIZE // block, 3)).repeat(block, 0).repeat(block, 1)
    return Image.fromarray(np.clip(base + noise, 0, 255).round().astype(np.uint8), 'RGB')


def bitmind_transform(img):
    """RGB, centre crop to the shorter side, resize to 224 (PIL bilinear), ToTensor; no normalisation."""
    img = img.convert('RGB')
    w, h = img.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    img = img.crop((left, top, left + s, top + s))
    if s != SIZE:
        img = img.resize((SIZE, SIZE), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / 255.0
    return torch.from_numpy(x.transpose(2, 0, 1).copy())


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'test', 'fixtures', 'npr-parity'))
    os.makedirs(out, exist_ok=True)
    net = random_network()
    torch.save(net.state_dict(), os.path.join(out, 'npr-random.pth'))

    rng = np.random.default_rng(SEED)
    cases = []
    for i in range(4):
        name = f'img{i}.png'
        make_image(rng, i).save(os.path.join(out, name))
        # read back from disk: the expected values are for the PNG as stored
        x = bitmind_transform(Image.open(os.path.join(out, name))).unsqueeze(0)
        with torch.no_grad():
            logit = float(net(x)[0, 0])
        cases.append({'image': name, 'logit': logit, 'probability': float(torch.sigmoid(torch.tensor(logit)))})

    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump({'model': 'npr-random.pth', 'torch': torch.__version__,
                   'transform': 'RGB, centre crop to the shorter side, resize 224 (identity for 224x224), ToTensor (x/255), no normalisation',
                   'cases': cases}, f, indent=1)
    print(f'wrote {out}: npr-random.pth, img0..3.png, expected.json (torch {torch.__version__})')
    for c in cases:
        print(f"  {c['image']}: logit {c['logit']:.6f} probability {c['probability']:.6f}")


if __name__ == '__main__':
    main()
