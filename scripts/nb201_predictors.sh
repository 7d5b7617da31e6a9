#!/bin/sh
# Runs the sample-efficiency study of scripts/nb201_predictors.nas (issue #21) and prints its
# tables: every strategy at 50 and 100 evaluations for SEEDS seeds (default 100) from seed 0,
# then the predictors' Kendall τ for TAU_SEEDS seeds (default 5) as mean ± std per training
# set size. Stores go to runs/EXPERIMENT-STRATEGY.jsonl; `nas report --summary` reads them.
#
#   SEEDS=100 TAU_SEEDS=5 sh scripts/nb201_predictors.sh
#
# Set NAS to the binary (default: target/release/nas). Runs at the lowest priority with one
# libtorch thread: the predictors' networks are too small to gain from more.
set -eu
NAS=${NAS:-target/release/nas}
SEEDS=${SEEDS:-100}
TAU_SEEDS=${TAU_SEEDS:-5}
STRATEGIES=${STRATEGIES:-"random evolution bohb neural_predictor bananas smac bo_gbt pdh"}
export OMP_NUM_THREADS=1
file=scripts/nb201_predictors.nas
stores=""
for n in 50 100; do
    for s in $STRATEGIES; do
        nice -n 19 "$NAS" run "$file" --experiment "${s}_${n}" --seeds "$SEEDS" --fresh \
            --no-weights >/dev/null
        stores="$stores runs/${s}_${n}-${s}.jsonl"
    done
done
# shellcheck disable=SC2086
"$NAS" report --summary $stores
if [ "$TAU_SEEDS" -gt 0 ]; then
    nice -n 19 "$NAS" run "$file" --experiment nb201_predictor_tau --seeds "$TAU_SEEDS" \
        --fresh --no-weights 2>&1 | grep -o 'tau [a-z_]* [0-9]* [-0-9.e]*' |
        awk '{ k = $2 " " $3; s[k] += $4; q[k] += $4 * $4; c[k]++ }
             END { for (k in s) { m = s[k] / c[k]; v = (q[k] - c[k] * m * m) / (c[k] > 1 ? c[k] - 1 : 1);
                   printf "%s %.3f ± %.3f (n=%d)\n", k, m, sqrt(v > 0 ? v : 0), c[k] } }' | sort -k1,1 -k2n
fi
