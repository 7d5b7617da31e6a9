#!/bin/sh
# The collapse study of issue #18: every one-shot experiment of scripts/darts_nb201.nas over
# SEEDS seeds (default 3), each into runs/EXPERIMENT-STRATEGY.jsonl (a finished seed is not run
# again: --resume), then one Markdown table of them all (`nas report --summary`): each run's
# derived cells looked up in the NB201 table (cifar10_test_200, mean ± sample std and per seed),
# the share of parameter-free ops in them, and wall and CPU time per seed. Then the long runs
# (LONG, one seed each: 30 epochs of DARTS, DARTS- and SDARTS-RS, the cell derived after every
# epoch looked up too) and one Markdown line per epoch of them (`nas report --trials`).
#
#   sh scripts/darts_nb201_study.sh
#   SEEDS=5 EXPERIMENTS="darts_first_order darts_minus" LONG="" sh scripts/darts_nb201_study.sh
#
# NAS is the binary (default target/release/nas). Runs at the lowest priority with one
# libtorch thread (the experiments' own `threads: 1`).
set -eu
NAS=${NAS:-target/release/nas}
SEEDS=${SEEDS:-3}
EXPERIMENTS=${EXPERIMENTS-"darts_first_order darts_second_order gdas snas pc_darts enas enas_lstm proxyless rsps spos darts_minus sdarts_rs sdarts_adv sgas darts_plus drnas pdarts darts_pt setn fbnet random_cell"}
LONG=${LONG-"darts_long darts_minus_long sdarts_rs_long"}
file=scripts/darts_nb201.nas
mkdir -p runs
# Runs experiment $1 over $2 seeds into runs/$1-STRATEGY.jsonl and prints that store's path.
run() {
    e=$1
    strategy=$(awk -v e="$e" '$1 == "experiment" && $2 == e { inside = 1 }
        inside && $1 == "strategy" { sub(/\(.*/, "", $2); print $2; exit }' "$file")
    [ -n "$strategy" ] || { echo "no experiment $e in $file" >&2; exit 1; }
    store="runs/$e-$strategy.jsonl"
    nice -n 19 "$NAS" run "$file" --experiment "$e" --seeds "$2" --resume --out "$store" >"runs/$e.log" 2>&1 ||
        echo "$e failed: see runs/$e.log" >&2
    echo "$store"
}
stores=""
for e in $EXPERIMENTS; do
    stores="$stores $(run "$e" "$SEEDS")"
done
long=""
for e in $LONG; do
    long="$long $(run "$e" 1)"
done
# shellcheck disable=SC2086
[ -z "$stores" ] || "$NAS" report --summary $stores
# shellcheck disable=SC2086
[ -z "$long" ] || "$NAS" report --trials $long
