#!/usr/bin/python3
"""PyTorch CPU reference for bench/predict.mjs: single-image NPR inference latency (224x224, batch 1).

The network is written here from docs/ARCHITECTURE.md § Detector (NPR residual, stride-2 stem, ResNet-50 bottlenecks
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from npr_torch import Npr  # noqa: E402  (the one PyTorch NPR of the repo)

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, '..', 'test', 'fixtures', 'npr-parity')


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
