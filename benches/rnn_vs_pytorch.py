"""The stdlib's recurrent cells (`rnn`, `lstm`, `gru` in stdlib/ops.nas) against PyTorch's
`nn.RNN`, `nn.LSTM` and `nn.GRU`, as the reference for `nas`.

  .venv/bin/python benches/rnn_vs_pytorch.py params [--dims 8,32,256] [--awd 400:600,8:16]
      parameter counts of PyTorch's one-layer modules (d -> d) and of the language models
      `nn.Embedding(vocab, d)`, module, `nn.Linear(d, vocab)` (the pins of
      tests/compile_rnn_cells.rs); and of AWD-LSTM's model (as NAS-Bench-NLP builds it) for
      each EMB:D, three stacked modules emb -> d -> d -> emb and a decoder whose weight is the
      embedding's (the pins of tests/awd_lm.rs, the stdlib spaces awd_lstm, awd_gru, awd_rnn)
  .venv/bin/python benches/rnn_vs_pytorch.py compare [--cells rnn,lstm,gru] [--d 32]
          [--limit N] [--test-limit M] [--epochs E] [--batch B] [--lr LR] [--seeds 0,1,2]
          [--threads T]
      the side-by-side benchmark: each cell's language model (stdlib space CELL_lm) trained by
      `nas train CELL_lm '' --data ptb` (target/release/nas, built with `cargo build
      --release`) and the same model in PyTorch eager here, same torch install, same Penn
      Treebank slice and settings: the first N training tokens cut into B rows, windows of 35
      tokens (truncated back-propagation through time, states carried between windows and
      zeroed each epoch), AdamW (betas 0.9, 0.999, no weight decay) at a constant rate, the
      gradient norm clipped to 0.25, validation and test perplexity on the first M tokens of
      each split cut into 10 rows. Prints each run's test perplexity, their mean ± std over
      the seeds, and the ratio nas / PyTorch of the means.

The data is found as `nas` finds it: `$NAS_DATA/ptb` or the project's `data/ptb/`
(`ptb.{train,valid,test}.txt`, plain or gzip-compressed); the vocabulary is the training
split's words in order of first occurrence, with `<eos>` after each line.
"""
import argparse
import gzip
import math
import os
import re
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
BPTT = 35
EVAL_ROWS = 10
CLIP = 0.25
MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def ptb_dir():
    env = os.environ.get("NAS_DATA")
    return Path(env) / "ptb" if env else ROOT / "data" / "ptb"


def read_split(folder, split):
    plain = folder / f"ptb.{split}.txt"
    if plain.is_file():
        return plain.read_text()
    packed = folder / f"ptb.{split}.txt.gz"
    if packed.is_file():
        return gzip.decompress(packed.read_bytes()).decode()
    sys.exit(f"error: no {plain} (or .gz); put Penn Treebank there or set NAS_DATA")


def load_ptb():
    folder = ptb_dir()
    ids = {}

    def encode(text, grow):
        out = []
        for line in text.splitlines():
            for w in line.split() + ["<eos>"]:
                if w not in ids:
                    if not grow:
                        sys.exit(f"error: word `{w}` is not in the training vocabulary")
                    ids[w] = len(ids)
                out.append(ids[w])
        return torch.tensor(out, dtype=torch.long)

    train = encode(read_split(folder, "train"), True)
    valid = encode(read_split(folder, "valid"), False)
    test = encode(read_split(folder, "test"), False)
    return len(ids), train, valid, test


class LanguageModel(nn.Module):
    def __init__(self, cell, vocab, d):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d)
        self.rnn = MODULES[cell](d, d, batch_first=True)
        self.decoder = nn.Linear(d, vocab)

    def forward(self, x, state):
        y, state = self.rnn(self.embedding(x), state)
        return self.decoder(y), state


def detach(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def batchify(tokens, rows):
    per_row = tokens.numel() // rows
    return tokens[: per_row * rows].view(rows, per_row)


def windows(rows):
    start = 0
    while start < rows.shape[1] - 1:
        n = min(BPTT, rows.shape[1] - 1 - start)
        yield rows[:, start : start + n], rows[:, start + 1 : start + 1 + n]
        start += BPTT


def mean_nll(model, tokens):
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for x, y in windows(batchify(tokens, EVAL_ROWS)):
            logits, state = model(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            total += loss.item() * y.numel()
            count += y.numel()
    return total / count


def train_torch(cell, data, args, seed):
    vocab, train, valid, test = data
    torch.manual_seed(seed)
    model = LanguageModel(cell, vocab, args.d)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), weight_decay=0.0)
    rows = batchify(train[: args.limit], args.batch)
    for _ in range(args.epochs):
        model.train()
        state = None
        for x, y in windows(rows):
            logits, state = model(x, detach(state))
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
    valid_ppl = math.exp(mean_nll(model, valid[: args.test_limit]))
    test_ppl = math.exp(mean_nll(model, test[: args.test_limit]))
    return valid_ppl, test_ppl


def train_nas(cell, args, seed):
    command = [
        str(ROOT / "target" / "release" / "nas"), "train", f"{cell}_lm", "",
        "--data", "ptb", "--channels", str(args.d), "--limit", str(args.limit),
        "--test-limit", str(args.test_limit), "--epochs", str(args.epochs),
        "--batch", str(args.batch), "--lr", str(args.lr), "--optimizer", "adamw",
        "--weight-decay", "0", "--schedule", "constant", "--warmup", "0",
        "--seed", str(seed), "--cpu", "--threads", str(args.threads),
    ]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed:\n{out.stdout}{out.stderr}")
    valid = re.findall(r"valid perplexity ([0-9.]+)", out.stdout)
    test = re.search(r"test perplexity ([0-9.]+)", out.stdout)
    return float(valid[-1]), float(test.group(1))


def mean_std(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def params(args):
    vocab = 10000
    for d in [int(x) for x in args.dims.split(",")]:
        for cell, module in MODULES.items():
            alone = sum(p.numel() for p in module(d, d).parameters())
            model = sum(p.numel() for p in LanguageModel(cell, vocab, d).parameters())
            print(f"{cell} d={d}: module {alone}, language model (vocab {vocab}) {model}")
    for pair in filter(None, args.awd.split(",")):
        emb, d = (int(x) for x in pair.split(":"))
        for cell, module in MODULES.items():
            encoder = nn.Embedding(vocab, emb)
            layers = [module(emb, d), module(d, d), module(d, emb)]
            decoder = nn.Linear(emb, vocab)
            decoder.weight = encoder.weight
            model = nn.ModuleList([encoder, *layers, decoder])
            # parameters() lists a shared tensor once, as it is trained once.
            count = sum(p.numel() for p in model.parameters())
            print(f"awd_{cell} emb={emb} d={d} (vocab {vocab}, tied): {count}")


def compare(args):
    torch.set_num_threads(args.threads)
    data = load_ptb()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"PTB: first {args.limit} training tokens, {args.test_limit} valid/test tokens, vocab {data[0]};"
        f" d={args.d}, batch {args.batch}, bptt {BPTT}, {args.epochs} epochs, AdamW lr {args.lr},"
        f" clip {CLIP}, {args.threads} thread(s), torch {torch.__version__}"
    )
    for cell in args.cells.split(","):
        results = {"nas": [], "torch": []}
        for seed in seeds:
            started = time.time()
            n = train_nas(cell, args, seed)
            t_nas = time.time() - started
            started = time.time()
            t = train_torch(cell, data, args, seed)
            t_torch = time.time() - started
            results["nas"].append(n[1])
            results["torch"].append(t[1])
            print(
                f"{cell} seed {seed}: nas valid {n[0]:.2f} test {n[1]:.2f} ({t_nas:.0f} s); "
                f"PyTorch valid {t[0]:.2f} test {t[1]:.2f} ({t_torch:.0f} s)",
                flush=True,
            )
        (mn, sn), (mt, st) = mean_std(results["nas"]), mean_std(results["torch"])
        print(
            f"{cell}: test perplexity nas {mn:.2f} ± {sn:.2f}, PyTorch {mt:.2f} ± {st:.2f}"
            f" over seeds {args.seeds}; nas / PyTorch {mn / mt:.3f}",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("params")
    p.add_argument("--awd", default="400:600,8:16")
    p.add_argument("--dims", default="8,32,256")
    c = sub.add_parser("compare")
    c.add_argument("--cells", default="rnn,lstm,gru")
    c.add_argument("--d", type=int, default=32)
    c.add_argument("--limit", type=int, default=40000)
    c.add_argument("--test-limit", type=int, default=8000)
    c.add_argument("--epochs", type=int, default=2)
    c.add_argument("--batch", type=int, default=16)
    c.add_argument("--lr", type=float, default=3e-3)
    c.add_argument("--seeds", default="0,1,2")
    c.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    params(args) if args.command == "params" else compare(args)


if __name__ == "__main__":
    main()
