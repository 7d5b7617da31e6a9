"""PyTorch reference for the nb_nlp space (stdlib/spaces/nb_nlp.nas) as nas compiles it: an
embedding, three linear maps, the cell unrolled over the window (x is the step's vector, h1,
h2, h3 the cell's outputs 1, 2 and 3 steps back, zeros before the first step), and a linear
decoder to the vocabulary. Each of the cell's six nodes is, as its kind says: `linear` (the
sum of a linear map, with its own bias, of each of its 2 inputs), `blend` (gate*a + (1 -
gate)*b), `prod` or `sum` of 2 inputs, or `activation` (tanh, sigmoid or relu of 1 input);
the cell's output is node 6. Prints the trainable parameter count of the architecture given in
the space's canonical text.

Usage: .venv/bin/python tests/reference/nb_nlp.py 'nb_nlp_cell.n1=blend ...' [VOCAB] [D]
"""
import sys

import torch
from torch import nn

ACTS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def parse(text):
    return dict(token.split("=", 1) for token in text.split())


def members(value):
    return [m for m in value.strip("{}").split(",") if m]


class Cell(nn.Module):
    def __init__(self, arch, d):
        super().__init__()
        self.arch = arch
        self.linears = nn.ModuleDict()
        for k in range(1, 7):
            if arch[f"nb_nlp_cell.n{k}"] == "linear":
                self.linears[f"n{k}"] = nn.ModuleList([nn.Linear(d, d), nn.Linear(d, d)])

    def forward(self, x, h1, h2, h3):
        a = self.arch
        v = {"x": x, "h1": h1, "h2": h2, "h3": h3}
        for k in range(1, 7):
            node = f"n{k}"
            kind = a[f"nb_nlp_cell.{node}"]
            prefix = f"nb_nlp_cell.{node}.{kind}"
            if kind == "linear":
                first, second = members(a[f"{prefix}.in"])
                lin = self.linears[node]
                v[node] = lin[0](v[first]) + lin[1](v[second])
            elif kind == "blend":
                (x1,), (x2,), (gate,) = (members(a[f"{prefix}.{i}.in"]) for i in range(3))
                v[node] = v[gate] * v[x1] + (1 - v[gate]) * v[x2]
            elif kind == "prod":
                first, second = members(a[f"{prefix}.in"])
                v[node] = v[first] * v[second]
            elif kind == "sum":
                first, second = members(a[f"{prefix}.in"])
                v[node] = v[first] + v[second]
            else:
                (source,) = members(a[f"{prefix}.in"])
                v[node] = ACTS[a[f"{prefix}.op0"]](v[source])
        return v["n6"]


class Net(nn.Module):
    def __init__(self, arch, vocab, d):
        super().__init__()
        self.d = d
        self.embedding = nn.Embedding(vocab, d)
        self.linears = nn.Sequential(nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d))
        self.cell = Cell(arch, d)
        self.decoder = nn.Linear(d, vocab)

    def forward(self, ids):
        seq = self.linears(self.embedding(ids))
        hidden = [torch.zeros(ids.shape[0], self.d) for _ in range(3)]
        outs = []
        for t in range(ids.shape[1]):
            y = self.cell(seq[:, t], *hidden)
            hidden = [y] + hidden[:2]
            outs.append(y)
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
