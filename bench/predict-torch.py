#!/usr/bin/python3
"""PyTorch CPU reference for bench/predict.mjs: single-image NPR inference latency (224x224, batch 1).

The network is written here from DESIGN section 3 (NPR residual, stride-2 stem, ResNet-50 bottlenecks
layer1 x3 and layer2 x4, global average pool, fc1 512->1) and loads the parity checkpoint; the input is
a fixed random 224x224 image (timing does not depend on the pixels; Debian's torch has no PIL here).
Run: /usr/bin/python3 bench/predict-torch.py [iterations]
"""
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, '..', 'test', 'fixtures', 'npr-parity')


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


def main():
    iters = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(os.cpu_count() or 1)
    net = Npr().eval()
    net.load_state_dict(torch.load(os.path.join(PARITY, 'npr-random.pth'), map_location='cpu'))
    x = torch.from_numpy(np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32))
    times = []
    with torch.no_grad():
        for _ in range(3):
            net(x)
        for _ in range(iters):
            t = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t) * 1000)
    print(f'pytorch {torch.__version__} cpu threads={torch.get_num_threads()} python={platform.python_version()}')
    print(f'pytorch-cpu 224x224 batch 1: median {statistics.median(times):.1f} ms, mean {statistics.mean(times):.1f} ms, min {min(times):.1f} ms over {iters} runs')


if __name__ == '__main__':
    main()
