"""PyTorch reference for the mobilenet_v2 space (stdlib/spaces/mobilenet_v2.nas, the
ProxylessNAS-style MobileNetV2 as that file defines it): stem conv3x3/2 to 32 channels, BN,
ReLU; an inverted residual to 16 channels (expansion 1); five stages of a first block and
three blocks that may each be skipped, then a block to 320; conv1x1 to 1280, BN, ReLU, global
average pooling and a linear classifier. An inverted residual: conv1x1 to c_in*expand, BN,
ReLU6 (left out for expansion 1), depthwise kxk with the stride, BN, ReLU6, conv1x1, BN, and
a residual sum when stride is 1 and channels are kept. Prints the trainable parameter count
of the architecture given in the space's canonical text.

Usage: .venv/bin/python tests/reference/mobilenet_v2.py 's4.expand=3 ...' [CLASSES] [IN_CHANNELS]
"""
import sys

import torch
from torch import nn


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


class InvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, expand, k, stride):
        super().__init__()
        hidden = c_in * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [
            nn.Conv2d(hidden, hidden, k, stride, k // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


# (stage of the first block, channels, stride of the first block, whether three skippable
# blocks follow)
STAGES = [(4, 24, 2, True), (6, 40, 2, True), (8, 80, 2, True), (10, 96, 1, True),
          (12, 192, 2, True), (14, 320, 1, False)]


def build(arch, classes, in_channels):
    layers = [nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
              InvertedResidual(32, 16, 1, 3, 1)]
    c = 16
    for stage, c_out, stride, skippable in STAGES:
        layers.append(InvertedResidual(c, c_out, int(arch[f"s{stage}.expand"]),
                                       int(arch[f"s{stage}.kernel"]), stride))
        c = c_out
        if skippable:
            for i in range(3):
                key = f"s{stage + 1}.{i}"
                if arch[key] == "mb":
                    layers.append(InvertedResidual(c, c, int(arch[f"{key}.0.expand"]),
                                                   int(arch[f"{key}.0.kernel"]), 1))
    layers += [nn.Conv2d(c, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU(),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, classes)]
    return nn.Sequential(*layers)


def main():
    arch = parse(sys.argv[1])
    classes = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    in_channels = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    net = build(arch, classes, in_channels)
    net(torch.zeros(1, in_channels, 224, 224))
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
