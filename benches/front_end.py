"""The front end without libtorch, side by side with every command going through the engine.

  python3 benches/front_end.py [--runs N] [--nas target/release/nas]

Runs each front-end command (`check` of a small file and of a file importing the stdlib, `fmt`,
`count`, `sample`, `--version`, `--help`, and a REPL transcript that defines a space, counts,
samples and shows) N times as the launcher answers it (`nas_lang`, no
libtorch) and N times with NAS_ALWAYS_ENGINE=1, which sends every command through the engine
(`libnas.so`, which links libtorch) as every command went before the front end was split off.
Prints the median wall time and the largest resident set of each, and the ratios engine / front
end. Needs only a release build (`cargo build --release`) and Python's standard library.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SMALL = """space tiny(c: int = 8) {
    input image(3, 8, 8)
    conv(c, 3 | 5) >> relu >> global_avg_pool >> linear(10)
}
"""


REPL_SESSION = SMALL + """:count
:sample 3 seed=1
:show #1
:use nb201
:count
"""


def measure(argv, env, runs, stdin=None):
    """Median wall seconds and the largest max-RSS (MB) of `runs` runs of argv (with the file
    `stdin` on standard input, if given)."""
    walls, rss = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        source = open(stdin, "rb") if stdin else subprocess.DEVNULL
        proc = subprocess.Popen(
            argv, env=env, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        if stdin:
            source.close()
        if proc.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
        rss = max(rss, usage.ru_maxrss / 1024)
    return statistics.median(walls), rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--nas", default=str(ROOT / "target/release/nas"))
    args = ap.parse_args()
    if not Path(args.nas).is_file():
        sys.exit(f"no {args.nas}: build it with `cargo build --release`")
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "tiny.nas"
        small.write_text(SMALL)
        session = Path(tmp) / "session.txt"
        session.write_text(REPL_SESSION)
        cases = [
            ("check tiny.nas", ["check", str(small)]),
            ("check scripts/darts_nb201.nas", ["check", str(ROOT / "scripts/darts_nb201.nas")]),
            ("fmt tiny.nas", ["fmt", str(small)]),
            ("count nb201", ["count", "nb201"]),
            ("sample darts -n 10", ["sample", "darts", "-n", "10"]),
            ("--version", ["--version"]),
            ("--help", ["--help"]),
            ("repl < session.txt", ["repl"], session),
        ]
        front_env = {k: v for k, v in os.environ.items() if k != "NAS_ALWAYS_ENGINE"}
        front_env["NAS_REPL_HISTORY"] = "off"
        engine_env = dict(front_env, NAS_ALWAYS_ENGINE="1")
        print(f"{'command':32} {'front end':>18} {'through the engine':>20} {'ratio (time, memory)':>22}")
        for name, argv, *stdin in cases:
            stdin = stdin[0] if stdin else None
            f_t, f_m = measure([args.nas, *argv], front_env, args.runs, stdin)
            e_t, e_m = measure([args.nas, *argv], engine_env, args.runs, stdin)
            print(
                f"{name:32} {f_t * 1e3:8.1f} ms {f_m:5.0f} MB {e_t * 1e3:9.1f} ms {e_m:5.0f} MB"
                f" {e_t / f_t:10.1f}x {e_m / f_m:8.1f}x"
            )


if __name__ == "__main__":
    main()
