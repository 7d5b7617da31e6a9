"""PyTorch reference for the enas_rnn space (stdlib/spaces/enas_rnn.nas) as nas compiles it: an
embedding, a linear map, the ENAS cell unrolled over the window (its input x is the step's
vector, h the cell's output at the previous step, zeros at first), and a linear decoder to the
vocabulary. In the cell, node 1 is act(W x + b + W' h + b'); every later node applies its own
linear map and activation to the node it picks; the cell's output is the sum of all 12 nodes.
Prints the trainable parameter count of the architecture given in the space's canonical text.

Usage: .venv/bin/python tests/reference/enas_rnn.py 'enas_rnn_cell.n1.op=tanh ...' [VOCAB] [D]
"""
import sys

import torch
from torch import nn

ACTS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "skip": lambda x: x,
    "rnn_tanh": torch.tanh,
    "rnn_relu": torch.relu,
    "rnn_sigmoid": torch.sigmoid,
    "rnn_identity": lambda x: x,
}


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


def members(value):
    return [m for m in value.strip("{}").split(",") if m]


class Cell(nn.Module):
    def __init__(self, arch, d):
        super().__init__()
        self.arch = arch
        self.wx = nn.Linear(d, d)
        self.wh = nn.Linear(d, d)
        self.nodes = nn.ModuleList(nn.Linear(d, d) for _ in range(2, 13))

    def forward(self, x, h):
        a = self.arch
        values = {"n1": ACTS[a["enas_rnn_cell.n1.op"]](self.wx(x) + self.wh(h))}
        for i in range(2, 13):
            (source,) = members(a[f"enas_rnn_cell.n{i}.in"])
            act = ACTS[a[f"enas_rnn_cell.n{i}.op0"]]
            values[f"n{i}"] = act(self.nodes[i - 2](values[source]))
        return sum(values.values())


class Net(nn.Module):
    def __init__(self, arch, vocab, d):
        super().__init__()
        self.d = d
        self.embedding = nn.Embedding(vocab, d)
        self.linear = nn.Linear(d, d)
        self.cell = Cell(arch, d)
        self.decoder = nn.Linear(d, vocab)

    def forward(self, ids):
        seq = self.linear(self.embedding(ids))
        h = torch.zeros(ids.shape[0], self.d)
        outs = []
        for t in range(ids.shape[1]):
            h = self.cell(seq[:, t], h)
            outs.append(h)
        return self.decoder(torch.stack(outs, 1))


def main():
    arch = parse(sys.argv[1])
    vocab = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    d = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    net = Net(arch, vocab, d)
    assert net(torch.zeros(1, 35, dtype=torch.long)).shape == (1, 35, vocab)
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


if __name__ == "__main__":
    main()
