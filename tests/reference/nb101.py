"""PyTorch reference for the nb101 space (stdlib/spaces/nb101.nas) built as NAS-Bench-101
builds its networks (Ying et al., ICML 2019): a 3x3 conv-BN-ReLU stem to C channels, three
stacks of CELLS cells with a 2x2 stride-2 max pool and doubled channels between stacks, global
average pooling and a linear classifier. In a cell the DAG is pruned to the vertices between
input and output; the vertices feeding the output split the cell's channels, the others take
the largest count among the vertices they feed; interior inputs are truncated to a vertex's
channels and the cell's input is projected (1x1 conv-BN-ReLU); the output concatenates its
inputs and adds the projected input when the input feeds it. Prints the trainable parameter
count of the architecture given in the space's canonical text.

Usage: .venv/bin/python tests/reference/nb101.py 'nb101_cell.v1.in={v0} ...' [C] [CELLS] [CLASSES]
"""
import sys

import torch
from torch import nn

KERNELS = {"conv3x3_bn_relu": 3, "conv1x1_bn_relu": 1}
VERTICES = 7


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


def members(value):
    return [m for m in value.strip("{}").split(",") if m]


def cell_spec(arch):
    """The cell's adjacency matrix and ops, pruned to the vertices between input and output."""
    matrix = [[False] * VERTICES for _ in range(VERTICES)]
    ops = [None] * VERTICES
    for v in range(1, VERTICES - 1):
        for u in members(arch.get(f"nb101_cell.v{v}.in", "{}")):
            matrix[int(u[1:])][v] = True
        ops[v] = arch[f"nb101_cell.v{v}.op"]
    for u in members(arch.get("nb101_cell.out.in", "{}")):
        matrix[int(u[1:])][VERTICES - 1] = True
    forward = [False] * VERTICES
    forward[0] = True
    for v in range(1, VERTICES):
        forward[v] = any(matrix[u][v] and forward[u] for u in range(v))
    backward = [False] * VERTICES
    backward[-1] = True
    for v in reversed(range(VERTICES - 1)):
        backward[v] = any(matrix[v][w] and backward[w] for w in range(v + 1, VERTICES))
    if not forward[-1]:
        raise ValueError("the input does not reach the output")
    keep = [v for v in range(VERTICES) if forward[v] and backward[v]]
    return [[matrix[u][v] for v in keep] for u in keep], [ops[v] for v in keep]


def vertex_channels(c_in, c_out, m):
    n = len(m)
    vc = [0] * n
    vc[0], vc[-1] = c_in, c_out
    if n == 2:
        return vc
    fan_in = sum(1 for u in range(1, n - 1) if m[u][n - 1])
    interior, correction = divmod(c_out, fan_in)
    for v in range(1, n - 1):
        if m[v][n - 1]:
            vc[v] = interior + (1 if correction > 0 else 0)
            correction -= 1 if correction > 0 else 0
    for v in range(n - 3, 0, -1):
        if not m[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if m[v][dst]:
                    vc[v] = max(vc[v], vc[dst])
    return vc


def conv_bn_relu(c_in, c_out, k):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


class Cell(nn.Module):
    def __init__(self, m, ops, c_in, c_out):
        super().__init__()
        self.m = m
        n = len(m)
        self.vc = vertex_channels(c_in, c_out, m)
        self.proj = nn.ModuleList()
        self.ops = nn.ModuleList()
        for t in range(1, n - 1):
            c = self.vc[t]
            self.proj.append(conv_bn_relu(c_in, c, 1) if m[0][t] else nn.Identity())
            if ops[t] in KERNELS:
                self.ops.append(conv_bn_relu(c, c, KERNELS[ops[t]]))
            else:
                self.ops.append(nn.MaxPool2d(3, stride=1, padding=1))
        self.out_proj = conv_bn_relu(c_in, c_out, 1) if m[0][n - 1] else None

    def forward(self, x):
        n = len(self.m)
        values = [x]
        for t in range(1, n - 1):
            parts = [values[s][:, : self.vc[t]] for s in range(1, t) if self.m[s][t]]
            if self.m[0][t]:
                parts.append(self.proj[t - 1](x))
            values.append(self.ops[t - 1](sum(parts)))
        outs = [values[t] for t in range(1, n - 1) if self.m[t][n - 1]]
        if not outs:
            return self.out_proj(x)
        out = torch.cat(outs, dim=1)
        return out + self.out_proj(x) if self.out_proj is not None else out


class Net(nn.Module):
    def __init__(self, arch, c, cells, classes):
        super().__init__()
        m, ops = cell_spec(arch)
        layers = [conv_bn_relu(3, c, 3)]
        c_in = c
        for stack in range(3):
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2))
                c *= 2
            for _ in range(cells):
                layers.append(Cell(m, ops, c_in, c))
                c_in = c
        self.body = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        return self.classifier(self.body(x).mean(dim=(2, 3)))


def main():
    arch = parse(sys.argv[1])
    c = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    cells = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    classes = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    net = Net(arch, c, cells, classes)
    assert net(torch.zeros(1, 3, 32, 32)).shape == (1, classes)
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
