"""One step of one-shot search on the NAS-Bench-201 supernet: nas against PyTorch eager.

  .venv/bin/python benches/oneshot_vs_pytorch.py compare [--channels C --cells N --batch B
      --steps K --warmup W --threads T --rounds R --modes darts1,darts2,gdas]
      runs, for each mode, the same step R times in each implementation (interleaved, each in a
      fresh process): `target/release/examples/oneshot_step` (build it with
      `cargo build --release --example oneshot_step`) and this file's PyTorch implementation on
      the same torch install and thread count; prints the median wall-clock and CPU ms per step, the peak resident
      memory each process reached during the steps, and the time ratio nas / PyTorch.
  .venv/bin/python benches/oneshot_vs_pytorch.py pytorch MODE [same flags]
      one PyTorch measurement, printed as `oneshot_step` prints its own.

A step is what the stdlib strategies take: an architecture step on a validation batch, then a
weight step on a training batch.
  darts1  first-order DARTS: grad of L_val(w, alpha) in alpha.
  darts2  second-order DARTS: L_val at the unrolled weights w' = w - xi * grad_w L_train(w, alpha),
          with the Hessian-vector product by central finite differences, eps = 0.01 / |grad_w' L_val|.
  gdas    GDAS: one op per edge drawn by Gumbel-softmax (tau = 10), only that op is run, weighted
          by the straight-through hard weight 1 - p.detach() + p.
Both sides: the NAS-Bench-201 network (3x3 conv stem with batch norm, three stages of N cells,
residual blocks of stride 2 between them, batch norm, ReLU, global average pooling, linear), every
edge holding none / skip / relu-conv1x1-bn / relu-conv3x3-bn / avg-pool (`none` never computed; the
candidate ops' batch norms are affine, as in nas's supernet compiled from stdlib/spaces/nb201.nas,
whose `batchnorm` is affine), alpha of shape 6x5 shared by all cells;
SGD lr 0.025, momentum 0.9, weight decay 3e-4, gradient clipping at norm 5; Adam on alpha with
lr 3e-4, betas (0.5, 0.999), weight decay 1e-3; xi = the weights' learning rate. Images are random
3x32x32 bytes normalised per batch, labels random (the timing does not depend on them).
The PyTorch side uses torch.optim.SGD / Adam and clip_grad_norm_, as the DARTS and GDAS code does.
The network was written for this project from the papers' descriptions.
"""
import argparse
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch
import torch.nn as nn
import torch.nn.functional as F

from nb201_vs_pytorch import ResBlock  # the same residual block as the stand-alone network

EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
ROOT = Path(__file__).resolve().parent.parent
NAS_STEP = ROOT / "target" / "release" / "examples" / "oneshot_step"


def relu_conv_bn(c_in, c_out, k, stride=1):
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False),
        nn.BatchNorm2d(c_out),
    )


def candidate(op, c):
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return relu_conv_bn(c, c, 1)
    if op == "nor_conv_3x3":
        return relu_conv_bn(c, c, 3)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    raise ValueError(op)


class SearchCell(nn.Module):
    """Every edge holds every candidate but `none`; `mix[e]` lists (op index, weight) terms."""

    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleList([nn.Identity()] + [candidate(op, c) for op in OPS[1:]]) for _ in EDGES
        )

    def forward(self, x, mix):
        values = [x]
        for to in (1, 2, 3):
            total = None
            for e, (t, source) in enumerate(EDGES):
                if t != to:
                    continue
                for k, w in mix[e]:
                    out = self.edges[e][k](values[source]) * w
                    total = out if total is None else total + out
            values.append(x * 0.0 if total is None else total)
        return values[-1]


class Supernet(nn.Module):
    def __init__(self, c, n, classes=10, in_channels=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.layers = nn.ModuleList()
        c_prev = c
        for stage in range(3):
            cs = c << stage
            if stage > 0:
                self.layers.append(ResBlock(c_prev, cs))
            self.layers.extend(SearchCell(cs) for _ in range(n))
            c_prev = cs
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU())
        self.classifier = nn.Linear(c_prev, classes)
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(OPS)))

    def weights(self):
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def forward(self, x, mix):
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x, mix) if isinstance(layer, SearchCell) else layer(x)
        return self.classifier(self.lastact(x).mean(dim=(2, 3)))


def darts_mix(alpha):
    w = F.softmax(alpha, dim=-1)
    return [[(k, w[e, k]) for k in range(1, len(OPS))] for e in range(len(EDGES))]


def gdas_mix(alpha, tau):
    u = torch.rand_like(alpha).clamp(1e-20, 1.0 - 1e-7)
    probs = F.softmax((alpha - torch.log(-torch.log(u))) / tau, dim=-1)
    picked = probs.argmax(-1).tolist()
    hard = 1.0 - probs.detach() + probs
    return [[] if k == 0 else [(k, hard[e, k])] for e, k in enumerate(picked)]


class Batches:
    """Random byte images cut into batches, normalised per batch as nas does."""

    def __init__(self, n_batches, batch):
        self.images = torch.randint(0, 256, (n_batches * batch, 3, 32, 32), dtype=torch.uint8)
        self.labels = torch.randint(0, 10, (n_batches * batch,))
        self.batch = batch
        self.next = 0

    def _at(self, i):
        lo = (i * self.batch) % self.labels.numel()
        x = self.images[lo : lo + self.batch].float().div_(255.0).sub_(0.5).div_(0.25)
        return x, self.labels[lo : lo + self.batch]

    def peek(self):
        return self._at(self.next)

    def take(self):
        b = self._at(self.next)
        self.next += 1
        return b


class Search:
    def __init__(self, mode, c, n, batch, batches):
        self.mode = mode
        self.net = Supernet(c, n)
        self.train = Batches(batches, batch)
        self.valid = Batches(batches, batch)
        self.lr = 0.025
        self.tau = 10.0
        self.w_opt = torch.optim.SGD(self.net.weights(), lr=self.lr, momentum=0.9, weight_decay=3e-4)
        self.a_opt = torch.optim.Adam([self.net.alpha], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

    def loss(self, batch, mix):
        x, y = batch
        return F.cross_entropy(self.net(x, mix), y)

    def weight_step(self):
        alpha = self.net.alpha.detach()
        mix = gdas_mix(alpha, self.tau) if self.mode == "gdas" else darts_mix(alpha)
        weights = self.net.weights()
        loss = self.loss(self.train.take(), mix)
        grads = torch.autograd.grad(loss, weights, allow_unused=True)
        for w, g in zip(weights, grads):
            w.grad = g
        nn.utils.clip_grad_norm_(weights, 5.0)
        self.w_opt.step()
        return loss.item()

    def alpha_step(self):
        alpha = self.net.alpha
        valid = self.valid.take()
        if self.mode == "darts2":
            loss, grad = self.second_order(valid)
        else:
            mix = gdas_mix(alpha, self.tau) if self.mode == "gdas" else darts_mix(alpha)
            loss = self.loss(valid, mix)
            (grad,) = torch.autograd.grad(loss, [alpha])
        alpha.grad = grad
        self.a_opt.step()
        return loss.item()

    def second_order(self, valid):
        alpha, weights, xi = self.net.alpha, self.net.weights(), self.lr
        train = self.train.peek()
        saved = [w.detach().clone() for w in weights]
        g = torch.autograd.grad(self.loss(train, darts_mix(alpha.detach())), weights, allow_unused=True)
        with torch.no_grad():
            for w, s, d in zip(weights, saved, g):
                w.copy_(s if d is None else s - xi * d)
        loss = self.loss(valid, darts_mix(alpha))
        d_alpha, *v = torch.autograd.grad(loss, [alpha] + weights, allow_unused=True)
        norm = torch.sqrt(sum((t.double() ** 2).sum() for t in v if t is not None)).item()
        eps = 0.01 / norm

        def train_alpha_grad(sign):
            with torch.no_grad():
                for w, s, d in zip(weights, saved, v):
                    w.copy_(s if d is None else s + sign * eps * d)
            (ga,) = torch.autograd.grad(self.loss(train, darts_mix(alpha)), [alpha])
            return ga

        plus, minus = train_alpha_grad(1.0), train_alpha_grad(-1.0)
        with torch.no_grad():
            for w, s in zip(weights, saved):
                w.copy_(s)
        return loss, d_alpha - xi * (plus - minus) / (2.0 * eps)


def peak_rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def measure_pytorch(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    search = Search(args.mode, args.channels, args.cells, args.batch, args.steps + args.warmup + 1)
    before = peak_rss_mib()
    for _ in range(args.warmup):
        search.alpha_step()
        search.weight_step()
    times, cpu = [], []
    for _ in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        search.alpha_step()
        search.weight_step()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    print(
        f"median_ms={statistics.median(times):.3f} mean_ms={statistics.fmean(times):.3f} "
        f"median_cpu_ms={statistics.median(cpu):.3f} "
        f"peak_rss_setup_mib={before:.1f} peak_rss_mib={peak_rss_mib():.1f}"
    )


def common_flags(args, mode):
    return [
        mode,
        "--channels", str(args.channels),
        "--cells", str(args.cells),
        "--batch", str(args.batch),
        "--steps", str(args.steps),
        "--warmup", str(args.warmup),
        "--threads", str(args.threads),
        "--seed", str(args.seed),
    ]


def run_child(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    line = out.stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split())}


def compare(args):
    if not NAS_STEP.exists():
        sys.exit(f"{NAS_STEP} is missing: run `cargo build --release --example oneshot_step` first")
    print(
        f"NB201 supernet C={args.channels} N={args.cells}, batch {args.batch}, {args.threads} thread(s), "
        f"{args.steps} timed steps after {args.warmup}, {args.rounds} round(s), torch {torch.__version__}"
    )
    print(
        f"{'mode':<8} {'nas ms':>9} {'torch ms':>9} {'ratio':>6} {'nas cpu':>9} {'torch cpu':>9} {'ratio':>6} "
        f"{'nas MiB':>8} {'torch MiB':>9} {'nas +MiB':>9} {'torch +MiB':>10}"
    )
    for mode in args.modes.split(","):
        flags = common_flags(args, mode)
        nas, torch_runs = [], []
        for _ in range(args.rounds):
            nas.append(run_child([str(NAS_STEP)] + flags))
            torch_runs.append(run_child([sys.executable, __file__, "pytorch"] + flags))
        med = lambda runs, key: statistics.median(r[key] for r in runs)
        n_ms, t_ms = med(nas, "median_ms"), med(torch_runs, "median_ms")
        n_cpu, t_cpu = med(nas, "median_cpu_ms"), med(torch_runs, "median_cpu_ms")
        n_peak, t_peak = med(nas, "peak_rss_mib"), med(torch_runs, "peak_rss_mib")
        n_grow = med([{"g": r["peak_rss_mib"] - r["peak_rss_setup_mib"]} for r in nas], "g")
        t_grow = med([{"g": r["peak_rss_mib"] - r["peak_rss_setup_mib"]} for r in torch_runs], "g")
        print(
            f"{mode:<8} {n_ms:>9.1f} {t_ms:>9.1f} {n_ms / t_ms:>6.2f} {n_cpu:>9.1f} {t_cpu:>9.1f} {n_cpu / t_cpu:>6.2f} "
            f"{n_peak:>8.0f} {t_peak:>9.0f} {n_grow:>9.0f} {t_grow:>10.0f}"
        )
    print(
        "ms: median wall-clock time per step; cpu: median CPU time per step (steadier on a shared machine); "
        "MiB: peak resident memory of the process; +MiB: its growth during the steps (after set-up)."
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["compare", "pytorch"])
    p.add_argument("mode", nargs="?", default=None)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--modes", default="darts1,darts2,gdas")
    args = p.parse_args()
    if args.command == "pytorch":
        if args.mode not in ("darts1", "darts2", "gdas"):
            sys.exit("pytorch MODE: darts1, darts2 or gdas")
        measure_pytorch(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
