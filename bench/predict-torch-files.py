#!/usr/bin/python3
"""PyTorch reference for bitmind predict: score image files with the shipped NPR weights, as a plain Python miner would.

PIL opens each file (EXIF transpose, convert('RGB')), centre-crops to the shorter side and resizes with BILINEAR
to the model's input size (torchvision's Resize on PIL images is this call), x/255 as float32 NCHW; batches of 16
through the NPR network (written here from docs/ARCHITECTURE.md § Detector) under no_grad on every core. The weights are read from
our tfjs-format folder (model.json + weights.bin hold PyTorch state_dict names and shapes).
Run: /usr/bin/python3 bench/predict-torch-files.py MODEL_DIR FILE_OR_DIR... [--size N] [--batch-size N]
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from npr_torch import Npr  # noqa: E402  (the one PyTorch NPR of the repo)


def load_weights(model_dir):
    with open(os.path.join(model_dir, 'model.json')) as f:
        meta = json.load(f)
    group = meta['weightsManifest'][0]
    raw = np.fromfile(os.path.join(model_dir, group['paths'][0]), dtype='<f4')
    sd, off = {}, 0
    for w in group['weights']:
        n = int(np.prod(w['shape'])) if w['shape'] else 1
        sd[w['name']] = torch.from_numpy(raw[off:off + n].reshape(w['shape']).copy())
        off += n
    return sd, meta.get('inputSize', 224)


def preprocess(path, size):
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert('RGB')
        w, h = im.size
        side = min(w, h)
        left, top = int(round((w - side) / 2)), int(round((h - side) / 2))
        im = im.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
        return np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / 255.0


def main():
    args = sys.argv[1:]
    size = batch = None
    if '--size' in args:
        i = args.index('--size'); size = int(args[i + 1]); del args[i:i + 2]
    if '--batch-size' in args:
        i = args.index('--batch-size'); batch = int(args[i + 1]); del args[i:i + 2]
    model_dir, inputs = args[0], args[1:]
    files = []
    for p in inputs:
        if os.path.isdir(p):
            files += sorted(os.path.join(r, f) for r, _, fs in os.walk(p) for f in fs if f.lower().endswith(('.png', '.jpg', '.jpeg', '.webp')))
        else:
            files.append(p)
    torch.set_num_threads(os.cpu_count() or 1)
    sd, model_size = load_weights(model_dir)
    size = size or model_size
    net = Npr().eval()
    missing, unexpected = net.load_state_dict(sd, strict=False)
    if unexpected or any(not k.endswith('num_batches_tracked') for k in missing):
        raise SystemExit(f'weights do not fit: missing {missing}, unexpected {unexpected}')
    batch = batch or 16
    with torch.no_grad():
        for i in range(0, len(files), batch):
            chunk = files[i:i + batch]
            x = torch.from_numpy(np.stack([preprocess(f, size) for f in chunk]))
            for f, p in zip(chunk, torch.sigmoid(net(x)).flatten().tolist()):
                print(f'{f}\t{p:.4f}\t{"fake" if p > 0.5 else "real"}')


if __name__ == '__main__':
    main()
