"""The NPR network in PyTorch, written from its description (NPR-DeepfakeDetection networks/resnet.py, as BitMind's
base_miner uses it): the reference side of our parity fixtures and benchmarks. State-dict names match PyTorch's
checkpoints and our tfjs/ONNX exports (conv1, bn1, layer1.N.*, layer2.N.*, fc1).

Imported by scripts/make-npr-parity.py and bench/*-torch*.py (which put this folder on sys.path).
"""
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck: 1x1 -> 3x3 (stride here) -> 1x1 x4, with a 1x1 strided projection when the shape changes."""

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
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class Npr(nn.Module):
    """NPR residual x - up2(down2(x)) times 2/3, stride-2 stem, layer1 x3, layer2 x4, global average pool, fc1 -> logit."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(Bottleneck(64, 64), Bottleneck(256, 64), Bottleneck(256, 64))
        self.layer2 = nn.Sequential(Bottleneck(256, 128, 2), *[Bottleneck(512, 128) for _ in range(3)])
        self.fc1 = nn.Linear(512, 1)

    def forward(self, x):
        # nearest down by 2 then nearest up by 2: every pixel minus the top-left pixel of its 2x2 block
        up = x[:, :, ::2, ::2].repeat_interleave(2, 2).repeat_interleave(2, 3)
        h = (x - up) * 2.0 / 3.0
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(h))), 3, 2, 1)
        h = self.layer2(self.layer1(h))
        return self.fc1(h.mean((2, 3)))
