#!/usr/bin/python3
"""PyTorch CPU reference for bench/train.mjs: images/s of one NPR training step (224², batch 16, Adam, BCE).

The network follows DESIGN §3 (NPR = x - up2(down2(x)), stem conv 3->64 stride 2, BN, ReLU, maxpool,
ResNet-50 bottlenecks layer1 x3 and layer2 x4, global average pool, fc 512->1), written from that
description. Run: /usr/bin/python3 bench/train-torch.py [steps] [batch] [size]
"""
import os
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1):
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
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class Npr(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(Bottleneck(64, 64), Bottleneck(256, 64), Bottleneck(256, 64))
        self.layer2 = nn.Sequential(Bottleneck(256, 128, 2), *[Bottleneck(512, 128) for _ in range(3)])
        self.fc1 = nn.Linear(512, 1)

    def forward(self, x):
        down = F.interpolate(x, scale_factor=0.5, mode='nearest')
        npr = x - F.interpolate(down, scale_factor=2.0, mode='nearest')
        h = self.pool(F.relu(self.bn1(self.conv1(npr * 2.0 / 3.0))))
        h = self.layer2(self.layer1(h))
        return self.fc1(h.mean((2, 3))).squeeze(1)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 224
    # Debian's build may start with one OpenMP thread; use every core, as the reference did
    torch.set_num_threads(int(os.environ.get('THREADS', os.cpu_count())))
    torch.manual_seed(0)
    net = Npr().train()
    print(f'params {sum(p.numel() for p in net.parameters())}')
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999))
    x = torch.rand(batch, 3, size, size)
    y = (torch.arange(batch) % 2).float()

    def step():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(net(x), y)
        loss.backward()
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    print(f'torch {torch.__version__} threads {torch.get_num_threads()} cpus {os.cpu_count()} {platform.processor() or platform.machine()}')
    print(f'NPR train step {size}x{size} batch {batch}: {steps * batch / dt:.2f} images/s ({dt / steps:.2f} s/step)')


if __name__ == '__main__':
    main()
