#!/usr/bin/python3
"""PyTorch CPU reference for bench/train.mjs: images/s of one NPR training step (224², batch 16, Adam, BCE).

The network follows docs/ARCHITECTURE.md § Detector (NPR = x - up2(down2(x)), stem conv 3->64 stride 2, BN, ReLU, maxpool,
ResNet-50 bottlenecks layer1 x3 and layer2 x4, global average pool, fc 512->1), written from that
description. Run: /usr/bin/python3 bench/train-torch.py [steps] [batch] [size]
"""
import os
import platform
import sys
import time

import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from npr_torch import Npr  # noqa: E402  (the one PyTorch NPR of the repo)


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
        loss = F.binary_cross_entropy_with_logits(net(x).squeeze(1), y)
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
