#!/usr/bin/env python3
"""The table of the sample-efficiency study (scripts/nb201_predictors.sh): for each trial store
given, per seed, the chosen architecture after the first N evaluations (the best reward among
them; for runs with fidelities, among the trials at the highest fidelity the seed used) and its
report (cifar10_test_200), as mean ± sample std over seeds, with the process CPU seconds per
evaluation (surrogate fitting included) and per run.

    python3 scripts/nb201_predictors_table.py --at 50 --at 100 runs/smac_100-smac.jsonl ...

With no --at, every store is read whole (a run whose budget is simulated time).
A run's first N trials are the same as those of an N-trial run with the same seed when the
strategy does not read its budget, which none of the compared strategies does.
"""
import argparse
import json
import statistics
from collections import defaultdict


def seeds_of(path):
    trials, ends, header = defaultdict(list), {}, None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] == "header":
                header = rec
            elif rec["kind"] == "trial":
                trials[rec["seed"]].append(rec)
            elif rec["kind"] == "end":
                ends[rec["seed"]] = rec
    trials = {seed: sorted(ts, key=lambda r: r["done"]) for seed, ts in trials.items()}
    return header, trials, ends


def chosen(trials):
    ok = [t for t in trials if t["status"] == "ok" and t["reward"] is not None]
    fids = [t["fidelity"] for t in ok if t["fidelity"] is not None]
    if fids:
        top = max(fids)
        ok = [t for t in ok if t["fidelity"] == top]
    return max(ok, key=lambda t: t["reward"]) if ok else None


def row(path, at):
    header, trials, ends = seeds_of(path)
    reports, cpu_per_eval, cpu_per_run = [], [], []
    # A seed cut short (an interrupted run) counts only where it has the N trials read; read
    # whole, only a seed with its end line counts.
    trials = {
        seed: ts
        for seed, ts in trials.items()
        if (len(ts) >= at if at else seed in ends)
    }
    for seed, ts in sorted(trials.items()):
        ts = ts[:at] if at else ts
        best = chosen(ts)
        if best is not None and best["report"] is not None:
            reports.append(best["report"])
        end = ends.get(seed)
        if end and end.get("cpu") is not None:
            n_all = len(trials[seed])
            cpu_per_eval.append(end["cpu"] / n_all)
            cpu_per_run.append(end["cpu"])
    mean = statistics.mean(reports)
    std = statistics.stdev(reports) if len(reports) > 1 else 0.0
    evals = statistics.mean(len(ts[:at] if at else ts) for ts in trials.values())
    name = f"{header['experiment']} ({header['strategy']})"
    cost = f"{statistics.mean(cpu_per_eval) * 1000:.2f} ms" if cpu_per_eval else "-"
    return (f"| {name} | {at or 'all'} | {evals:.1f} | {len(reports)} | {mean:.2f} ± {std:.2f} "
            f"| {cost} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--at", type=int, action="append", default=[])
    ap.add_argument("stores", nargs="+")
    args = ap.parse_args()
    print("| run | first N trials | evaluations | seeds | cifar10_test_200 of the chosen | "
          "CPU per evaluation |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path in args.stores:
        for at in args.at or [None]:
            print(row(path, at))


if __name__ == "__main__":
    main()
