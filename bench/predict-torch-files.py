#!/usr/bin/python3
"""PyTorch reference for bitmind predict: score image files with the shipped NPR weights, as a plain Python miner would.

PIL opens each file (EXIF transpose, convert('RGB')), centre-crops to the shorter side and resizes with BILINEAR
to the model's input size (torchvision's Resize on PIL images is this call), x/255 as float32 NCHW; batches of 16
through the NPR network (written here from DESIGN section 3) under no_grad on every core. The weights are read from
our tfjs-format folder (model.json + weights.bin hold PyTorch state_dict names and shapes).
Run: /usr/bin/python3 bench/predict-torch-files.py MODEL_DIR FILE_OR_DIR... [--size N] [--batch-size N]
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageOps


class Block(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride != 1 or cin != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class Npr(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(Block(64, 64, 1), Block(256, 64, 1), Block(256, 64, 1))
        self.layer2 = nn.Sequential(Block(256, 128, 2), *[Block(512, 128, 1) for _ in range(3)])
        self.fc1 = nn.Linear(512, 1)

    def forward(self, x):
        up = x[:, :, ::2, ::2].repeat_interleave(2, 2).repeat_interleave(2, 3)
        h = (x - up) * 2.0 / 3.0
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(h))), 3, 2, 1)
        h = self.layer2(self.layer1(h))
        return self.fc1(h.mean((2, 3)))


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
