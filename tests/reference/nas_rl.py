"""PyTorch reference for the nas_rl space (stdlib/spaces/nas_rl.nas, Zoph & Le's layer-wise
CNN as that file defines it): 15 layers, each a conv with its own filter count, height and
width ("same" padding, no bias), batch norm and ReLU on the concatenation of the previous
layer and the chosen earlier layers (or the image); global average pooling and a linear
classifier. Prints the trainable
parameter count of the architecture given in the space's canonical text.

Usage: .venv/bin/python tests/reference/nas_rl.py 'nas_rl_net.l1.op.count=24 ...' [CLASSES] [IN_CHANNELS]

The filter height and width are odd (1, 3, 5 or 7), so symmetric padding keeps the size.
"""
import sys

import torch
from torch import nn


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


def members(value):
    inner = value.strip("{}")
    return [m for m in inner.split(",") if m]


class Net(nn.Module):
    def __init__(self, arch, classes, in_channels):
        super().__init__()
        channels = {"x": in_channels}
        self.layers = nn.ModuleList()
        self.inputs = []
        for i in range(1, 16):
            name = f"l{i}"
            previous = "x" if i == 1 else f"l{i - 1}"
            skips = members(arch.get(f"nas_rl_net.{name}.1.in", "{}")) if i > 1 else []
            sources = [previous] + skips
            count = int(arch[f"nas_rl_net.{name}.op.count"])
            height = int(arch[f"nas_rl_net.{name}.op.height"])
            width = int(arch[f"nas_rl_net.{name}.op.width"])
            c_in = sum(channels[s] for s in sources)
            self.layers.append(nn.Sequential(
                nn.Conv2d(c_in, count, (height, width), padding=(height // 2, width // 2), bias=False),
                nn.BatchNorm2d(count),
                nn.ReLU(),
            ))
            self.inputs.append(sources)
            channels[name] = count
        self.classifier = nn.Linear(channels["l15"], classes)

    def forward(self, x):
        values = {"x": x}
        for i, (layer, sources) in enumerate(zip(self.layers, self.inputs), start=1):
            values[f"l{i}"] = layer(torch.cat([values[s] for s in sources], dim=1))
        return self.classifier(values["l15"].mean(dim=(2, 3)))


def main():
    arch = parse(sys.argv[1])
    classes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    in_channels = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    net = Net(arch, classes, in_channels)
    net(torch.zeros(1, in_channels, 32, 32))
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
