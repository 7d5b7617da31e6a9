"""PyTorch reference for the DARTS CIFAR network (Liu et al., ICLR 2019, the evaluation
network: stem conv to 3C channels, `layers` cells with reductions at layers//3 and
2*layers//3, global pooling and a linear classifier; no auxiliary head, which DARTS leaves
out of its parameter counts too). Prints the trainable parameter count.

Usage: .venv/bin/python tests/reference/darts.py [C] [LAYERS] [CLASSES] [IN_CHANNELS] [GENOTYPE]
GENOTYPE is `v2` (DARTS-V2's published cells) or `sep3` (every edge sep_conv_3x3 on inputs
(0, 1), (0, 1), (0, 1), (0, 1)). Defaults: 36 20 10 3 v2.
"""
import sys

import torch
from torch import nn

# (op, input) pairs per node, two per node; inputs 0 and 1 are the cell's inputs.
GENOTYPES = {
    "v2": {
        "normal": [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0),
                   ("sep_conv_3x3", 1), ("sep_conv_3x3", 1), ("skip_connect", 0),
                   ("skip_connect", 0), ("dil_conv_3x3", 2)],
        "reduce": [("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2),
                   ("max_pool_3x3", 1), ("max_pool_3x3", 0), ("skip_connect", 2),
                   ("skip_connect", 2), ("max_pool_3x3", 1)],
    },
    "sep3": {
        "normal": [("sep_conv_3x3", i % 2) for i in range(8)],
        "reduce": [("sep_conv_3x3", i % 2) for i in range(8)],
    },
}


def relu_conv_bn(c_in, c_out, k, stride, padding, dilation=1, groups=1):
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(c_in, c_out, k, stride, padding, dilation=dilation, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
    )


class DilConv(nn.Module):
    def __init__(self, c_in, c_out, k, stride, padding, dilation):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_in, c_in, k, stride, padding, dilation=dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        return self.body(x)


class SepConv(nn.Module):
    def __init__(self, c_in, c_out, k, stride, padding):
        super().__init__()
        self.body = nn.Sequential(
            DilConv(c_in, c_in, k, stride, padding, 1),
            DilConv(c_in, c_out, k, 1, padding, 1),
        )

    def forward(self, x):
        return self.body(x)


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.b = nn.Conv2d(c_in, c_out - c_out // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = torch.relu(x)
        return self.bn(torch.cat([self.a(x), self.b(x[:, :, 1:, 1:])], dim=1))


def make_op(name, c, stride):
    if name == "sep_conv_3x3":
        return SepConv(c, c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(c, c, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(c, c, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return DilConv(c, c, 5, stride, 4, 2)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride, 1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    raise ValueError(name)


class Cell(nn.Module):
    def __init__(self, pairs, c_pp, c_p, c, reduction, reduction_prev):
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else relu_conv_bn(c_pp, c, 1, 1, 0)
        self.pre1 = relu_conv_bn(c_p, c, 1, 1, 0)
        self.pairs = pairs
        self.ops = nn.ModuleList(
            make_op(name, c, 2 if reduction and j < 2 else 1) for name, j in pairs
        )

    def forward(self, s0, s1):
        states = [self.pre0(s0), self.pre1(s1)]
        for i in range(len(self.pairs) // 2):
            a, b = 2 * i, 2 * i + 1
            states.append(self.ops[a](states[self.pairs[a][1]]) + self.ops[b](states[self.pairs[b][1]]))
        return torch.cat(states[2:], dim=1)


class Network(nn.Module):
    def __init__(self, c, layers, classes, in_channels, genotype):
        super().__init__()
        c_curr = 3 * c
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(c_curr))
        c_pp, c_p, c_curr = c_curr, c_curr, c
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            pairs = genotype["reduce" if reduction else "normal"]
            self.cells.append(Cell(pairs, c_pp, c_p, c_curr, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * c_curr
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))


def main():
    args = sys.argv[1:]
    c = int(args[0]) if len(args) > 0 else 36
    layers = int(args[1]) if len(args) > 1 else 20
    classes = int(args[2]) if len(args) > 2 else 10
    in_channels = int(args[3]) if len(args) > 3 else 3
    genotype = GENOTYPES[args[4] if len(args) > 4 else "v2"]
    net = Network(c, layers, classes, in_channels, genotype)
    net(torch.zeros(1, in_channels, 32, 32))
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
