"""PyTorch reference for the enas_macro space (stdlib/spaces/enas_macro.nas, ENAS's macro
network as that file defines it): a stem conv3x3 to C channels with batch norm, 12 layers
each applying its op to the previous layer and summing the chosen earlier layers, global
average pooling and a linear classifier. The ops: conv_kxk = ReLU, conv, BN;
sep_conv_kxk = ReLU, DARTS' separable conv (two ReLU-depthwise-pointwise-BN units), BN;
pools keep their input. Prints the trainable parameter count of the architecture given in
the space's canonical text.

Usage: .venv/bin/python tests/reference/enas_macro.py 'enas_macro_net.l1.op=conv_3x3 ...' [C] [CLASSES] [IN_CHANNELS]
"""
import sys

import torch
from torch import nn


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


def members(value):
    inner = value.strip("{}")
    return [m for m in inner.split(",") if m]


def unit(c_in, c_out, k, stride=1):
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(c_in, c_in, k, stride, k // 2, groups=c_in, bias=False),
        nn.Conv2d(c_in, c_out, 1, bias=False),
        nn.BatchNorm2d(c_out),
    )


def make_op(name, c):
    if name in ("conv_3x3", "conv_5x5"):
        k = int(name[-1])
        return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, padding=k // 2, bias=False), nn.BatchNorm2d(c))
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        k = int(name[-1])
        return nn.Sequential(unit(c, c, k), unit(c, c, k), nn.BatchNorm2d(c))
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    raise ValueError(name)


class Net(nn.Module):
    def __init__(self, arch, c, classes, in_channels):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.ops = nn.ModuleList()
        self.skips = []
        for i in range(1, 13):
            key = "enas_macro_net.l1.op" if i == 1 else f"enas_macro_net.l{i}.0.op"
            self.ops.append(make_op(arch[key], c))
            self.skips.append(members(arch[f"enas_macro_net.l{i}.1.in"]) if i > 1 else [])
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        values = {"x": self.stem(x)}
        previous = "x"
        for i, (op, skips) in enumerate(zip(self.ops, self.skips), start=1):
            y = op(values[previous])
            for s in skips:
                y = y + values[s]
            values[f"l{i}"] = y
            previous = f"l{i}"
        return self.classifier(values["l12"].mean(dim=(2, 3)))


def main():
    arch = parse(sys.argv[1])
    c = int(sys.argv[2]) if len(sys.argv) > 2 else 36
    classes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    in_channels = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    net = Net(arch, c, classes, in_channels)
    net(torch.zeros(1, in_channels, 32, 32))
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
