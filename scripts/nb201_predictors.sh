#!/bin/sh
# Runs the sample-efficiency study of scripts/nb201_predictors.nas (issue #21) and prints its
# tables. Strategies with a trial budget run their 100-evaluation experiment and are read at 50
# and 100 evaluations (a run's first 50 trials are those of a 50-trial run: none of them reads
# its budget); BOHB and PDH, under a simulated-time budget, run both experiments. Then the
# predictors' Kendall τ (mean ± std over TAU_SEEDS seeds per training-set size).
#
#   SEEDS=100 sh scripts/nb201_predictors.sh
#   SEEDS=100 SEEDS_smac=30 SEEDS_neural_predictor=5 TAU_SEEDS=1 sh scripts/nb201_predictors.sh
#
# SEEDS_<strategy> overrides SEEDS for one strategy (the learned surrogates cost more per run).
# Stores go to runs/EXPERIMENT-STRATEGY.jsonl. NAS is the binary (default
# target/release/nas). Runs at low priority with one libtorch thread: the predictors' networks
# are too small to gain from more.
set -eu
NAS=${NAS:-target/release/nas}
SEEDS=${SEEDS:-100}
TAU_SEEDS=${TAU_SEEDS:-5}
PLAIN=${PLAIN-"random evolution smac bo_gbt neural_predictor bananas"}
TIMED=${TIMED-"bohb pdh"}
export OMP_NUM_THREADS=1
file=scripts/nb201_predictors.nas
seeds_for() { eval "echo \${SEEDS_$1:-$SEEDS}"; }
run() { nice -n 10 "$NAS" run "$file" --experiment "$1" --seeds "$2" --fresh --no-weights >/dev/null; }
plain="" timed=""
for s in $PLAIN; do
    run "${s}_100" "$(seeds_for "$s")"
    plain="$plain runs/${s}_100-${s}.jsonl"
done
for s in $TIMED; do
    for n in 50 100; do
        run "${s}_${n}" "$(seeds_for "$s")"
        timed="$timed runs/${s}_${n}-${s}.jsonl"
    done
done
# shellcheck disable=SC2086
[ -z "$plain" ] || python3 scripts/nb201_predictors_table.py --at 50 --at 100 $plain
# shellcheck disable=SC2086
[ -z "$timed" ] || python3 scripts/nb201_predictors_table.py $timed
if [ "$TAU_SEEDS" -gt 0 ]; then
    nice -n 10 "$NAS" run "$file" --experiment nb201_predictor_tau --seeds "$TAU_SEEDS" \
        --fresh --no-weights 2>&1 | grep -o 'tau [a-z_]* [0-9]* [-0-9.e]*' |
        awk '{ k = $2 " " $3; s[k] += $4; q[k] += $4 * $4; c[k]++ }
             END { for (k in s) { m = s[k] / c[k]; v = (q[k] - c[k] * m * m) / (c[k] > 1 ? c[k] - 1 : 1);
                   printf "%s %s %.3f ± %.3f (n=%d)\n", k, "τ", m, sqrt(v > 0 ? v : 0), c[k] } }' |
        sort -k1,1 -k2n
fi
