#!/bin/sh
# Runs the hypervolume study of scripts/nb201_hypervolume.nas (issue #22) and prints its table:
# per strategy, the hypervolume of the front of each seed's first N evaluations (N = 25, 50,
# 100, 200), mean ± sample std over seeds, against one reference point for every run (see
# scripts/nb201_hypervolume_table.py).
#
#   SEEDS=20 sh scripts/nb201_hypervolume.sh
#   OBJECTIVE=latency_lut sh scripts/nb201_hypervolume.sh   # the latency study: hv_lut_*
#
# Stores go to runs/EXPERIMENT-STRATEGY.jsonl. NAS is the binary (default target/release/nas).
# Runs at the lowest priority with one libtorch thread (the work is building networks to
# count their parameters, once per architecture and run).
set -eu
NAS=${NAS:-target/release/nas}
SEEDS=${SEEDS:-20}
OBJECTIVE=${OBJECTIVE:-params}
case "$OBJECTIVE" in
params) prefix=hv_ ;;
latency_lut) prefix=hv_lut_ ;;
*) echo "OBJECTIVE is params or latency_lut, not $OBJECTIVE" >&2; exit 2 ;;
esac
export OMP_NUM_THREADS=1
file=scripts/nb201_hypervolume.nas
stores=""
for s in nsga2 evolution_mo random; do
    nice -n 19 "$NAS" run "$file" --experiment "$prefix$s" --seeds "$SEEDS" --fresh --no-weights >/dev/null
    stores="$stores runs/$prefix$s-$s.jsonl"
done
# shellcheck disable=SC2086
python3 scripts/nb201_hypervolume_table.py --metric "$OBJECTIVE" --at 25 --at 50 --at 100 --at 200 $stores
