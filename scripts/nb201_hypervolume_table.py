#!/usr/bin/env python3
"""The table of the hypervolume study (scripts/nb201_hypervolume.sh): for each trial store
given, per seed, the hypervolume of the Pareto front of the first N evaluations (in the order
they finished) in (reward, METRIC), the reward maximised and the metric (`--metric`, default
params; latency_lut or latency for the latency studies) minimised, as mean ± sample std over seeds. The
reference point is the worst reward and the largest metric over every trial
of every store given (as `nas run` takes the worst over its seeds), printed under the table, so
that every cell compares. The hypervolume of two objectives is the area the front dominates up
to the reference point: `nas run`'s (src/search/pareto.rs), computed the same way here over the
stores' prefixes.

    python3 scripts/nb201_hypervolume_table.py [--metric latency_lut] --at 25 --at 200 runs/hv_nsga2-nsga2.jsonl ...
"""
import argparse
import json
import statistics
from collections import defaultdict


def seeds_of(path):
    trials, header = defaultdict(list), None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] == "header":
                header = rec
            elif rec["kind"] == "trial" and rec["status"] == "ok":
                trials[rec["seed"]].append(rec)
    trials = {seed: sorted(ts, key=lambda r: r["done"]) for seed, ts in trials.items()}
    return header, trials


def point(t, metric):
    """The trial as a point to maximise in both coordinates."""
    return (t["reward"], -t["metrics"][metric])


def hypervolume(points, ref):
    """Area dominated by `points` (both maximised) and bounded below by `ref`: a sweep over
    the points by the first coordinate, best first."""
    area, best_second = 0.0, ref[1]
    for x, y in sorted(points, reverse=True):
        if y > best_second and x > ref[0]:
            area += (x - ref[0]) * (y - best_second)
            best_second = y
    return area


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--at", type=int, action="append", default=[])
    ap.add_argument("--metric", default="params")
    ap.add_argument("--reward", default="% valid accuracy", help="what the reward is, for the printout")
    ap.add_argument("stores", nargs="+")
    args = ap.parse_args()
    runs = [(path, *seeds_of(path)) for path in args.stores]
    every = [point(t, args.metric) for _, _, trials in runs for ts in trials.values() for t in ts]
    ref = (min(p[0] for p in every), min(p[1] for p in every))
    ats = args.at or [200]
    first = "percentage points" if args.reward.startswith("%") else args.reward
    unit, scale = {"params": (f"10^6 ({first} x weights)", 1e6),
                   "latency_lut": (f"{first} x milliseconds", 1.0),
                   "latency": (f"{first} x milliseconds", 1.0)}.get(
        args.metric, (f"{first} x {args.metric}", 1.0))
    print(f"hypervolume in units of {unit}\n")
    print("| strategy | seeds | " + " | ".join(f"HV after {n}" for n in ats) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in ats) + " |")
    for path, header, trials in runs:
        cells = []
        for n in ats:
            hvs = [hypervolume([point(t, args.metric) for t in ts[:n]], ref)
                   for ts in trials.values() if len(ts) >= n]
            mean = statistics.mean(hvs) if hvs else float("nan")
            std = statistics.stdev(hvs) if len(hvs) > 1 else 0.0
            cells.append(f"{mean / scale:.1f} ± {std / scale:.1f}")
        print(f"| {header['strategy']} | {len(trials)} | " + " | ".join(cells) + " |")
    print(f"\nreference point: {ref[0]:.3f} {args.reward}, {-ref[1]:.6g} {args.metric}; "
          f"the front of every trial of every store together: {hypervolume(every, ref) / scale:.1f}")


if __name__ == "__main__":
    main()
