"""NAS-Bench-201 networks in PyTorch eager, as the reference for `nas`.

  .venv/bin/python benches/nb201_vs_pytorch.py params ARCH [--channels C --cells N]
      parameter count and multiply-accumulates of the PyTorch network (the pins for `nas params`)
  .venv/bin/python benches/nb201_vs_pytorch.py compare [--steps K --batch B --threads T] [--amp P]
      the side-by-side benchmark: the same networks (C=16 N=5, and C=8 N=1) trained for K SGD
      steps on one fixed random batch by PyTorch eager here and by `nas train --data synthetic`
      (target/release/nas, built with `cargo build --release`), same torch install, same thread
      count, each in both memory layouts (NCHW, PyTorch's default, and channels-last, nas's
      default); prints ms/step and the ratios nas / PyTorch. With `--amp bf16` (or `fp16`) both
      run the forward pass under CPU autocast in that precision, the loss on float32 logits
      (fp16: both scale the loss, PyTorch with its GradScaler).

The network follows the NAS-Bench-201 paper's description (written for this project): a 3x3
conv stem with batch norm, three stages of N cells separated by residual blocks of stride 2,
batch norm, ReLU, global average pooling and a linear classifier.
"""
import argparse
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch
import torch.nn as nn

ALL_3X3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def relu_conv_bn(c_in, c_out, k, stride=1):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False), nn.BatchNorm2d(c_out))


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def edge_op(name, c):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return relu_conv_bn(c, c, 1)
    if name == "nor_conv_3x3":
        return relu_conv_bn(c, c, 3)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    raise ValueError(name)


def parse(arch):
    nodes = []
    for part in arch.strip().split("+"):
        nodes.append([(e.split("~")[0], int(e.split("~")[1])) for e in part.strip("|").split("|")])
    return nodes


class Cell(nn.Module):
    def __init__(self, nodes, c):
        super().__init__()
        self.nodes = nodes
        self.edges = nn.ModuleDict(
            {f"{j + 1}<-{i}": edge_op(op, c) for j, ins in enumerate(nodes) for op, i in ins}
        )

    def forward(self, x):
        values = [x]
        for j, ins in enumerate(self.nodes):
            values.append(sum(self.edges[f"{j + 1}<-{i}"](values[i]) for _, i in ins))
        return values[-1]


class ResBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = relu_conv_bn(c_in, c_out, 3, 2)
        self.conv_b = relu_conv_bn(c_out, c_out, 3)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Nb201(nn.Module):
    def __init__(self, arch, c=16, n=5, classes=10, in_channels=3):
        super().__init__()
        nodes = parse(arch)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers, c_prev = [], c
        for stage in range(3):
            cs = c << stage
            if stage > 0:
                layers.append(ResBlock(c_prev, cs))
            layers += [Cell(nodes, cs) for _ in range(n)]
            c_prev = cs
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU())
        self.classifier = nn.Linear(c_prev, classes)

    def forward(self, x):
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(x.mean(dim=(2, 3)))


def macs(model, shape):
    total = [0]

    def conv_hook(m, _inp, out):
        per = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        total[0] += out.numel() * per + (out.numel() if m.bias is not None else 0)

    def linear_hook(m, _inp, out):
        total[0] += out.numel() * m.in_features + (out.numel() if m.bias is not None else 0)

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    for h in hooks:
        h.remove()
    return total[0]


def time_pytorch(arch, c, n, batch, steps, channels_last, amp=None, warmup=3):
    torch.manual_seed(0)
    model = Nb201(arch, c, n)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    scaler = torch.amp.GradScaler("cpu") if amp == "fp16" else None
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            started = time.perf_counter()
        with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
            logits = model(x)
        loss = nn.functional.cross_entropy(logits.float(), y)
        opt.zero_grad()
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        loss.item()
    return (time.perf_counter() - started) / steps


def time_nas(nas, arch, c, n, batch, steps, threads, channels_last, amp=None):
    cmd = [str(nas), "train", "nb201", arch, "--data", "synthetic", "--cpu", "--steps", str(steps),
           "--batch", str(batch), "--channels", str(c), "--cells", str(n), "--threads", str(threads),
           "--schedule", "constant", "--layout", "channels-last" if channels_last else "nchw"]
    if amp:
        cmd += ["--amp", amp]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"nas failed: {out.stderr}")
    match = re.search(r"\(([0-9.]+) ms/step", out.stdout)
    return float(match.group(1)) / 1000.0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("params")
    p.add_argument("arch")
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("--steps", type=int, default=20)
    cmp_.add_argument("--batch", type=int, default=64)
    cmp_.add_argument("--threads", type=int, default=torch.get_num_threads())
    cmp_.add_argument("--arch", default=ALL_3X3)
    cmp_.add_argument("--rounds", type=int, default=2, help="alternate nas and PyTorch this many times; best of each")
    cmp_.add_argument("--amp", choices=["bf16", "fp16"], help="mixed precision under CPU autocast in both")
    cmp_.add_argument("--nas", default=str(Path(__file__).resolve().parent.parent / "target/release/nas"))
    args = ap.parse_args()
    if args.cmd == "params":
        model = Nb201(args.arch, args.channels, args.cells)
        print("params:", sum(p.numel() for p in model.parameters()))
        print("flops:", macs(model, (3, 32, 32)))
        return
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, batch {args.batch}, {args.steps} timed steps, "
          f"SGD (Nesterov, wd 5e-4), {args.amp or 'fp32'}, arch {args.arch}")
    print("each figure: the best of --rounds alternating runs; nas's default layout is channels-last")
    for c, n in [(16, 5), (8, 1)]:
        best = {}
        for _ in range(args.rounds):
            for layout in (True, False):
                t = time_nas(args.nas, args.arch, c, n, args.batch, args.steps, args.threads, layout, args.amp)
                best[("nas", layout)] = min(best.get(("nas", layout), t), t)
                t = time_pytorch(args.arch, c, n, args.batch, args.steps, layout, args.amp)
                best[("torch", layout)] = min(best.get(("torch", layout), t), t)
        ms = {k: 1000 * v for k, v in best.items()}
        print(f"C={c:<2} N={n}: nas {ms[('nas', True)]:8.2f} ms/step (nchw {ms[('nas', False)]:.2f});"
              f" pytorch eager {ms[('torch', False)]:8.2f} ms/step (channels_last {ms[('torch', True)]:.2f})")
        print(f"        ratio nas / pytorch eager: {best[('nas', True)] / best[('torch', False)]:.3f}"
              f"   same layout: nchw {best[('nas', False)] / best[('torch', False)]:.3f},"
              f" channels-last {best[('nas', True)] / best[('torch', True)]:.3f}")

if __name__ == "__main__":
    main()
