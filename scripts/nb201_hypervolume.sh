#!/bin/sh
# Runs a hypervolume study of issue #22 and prints its table: per strategy, the hypervolume of
# the front of each seed's first N evaluations (N = 25, 50, 100, 200), mean ± sample std over
# seeds, against one reference point for every run (see scripts/nb201_hypervolume_table.py).
#
#   SEEDS=20 sh scripts/nb201_hypervolume.sh                # NB201 table vs params: hv_*
#   OBJECTIVE=latency_lut sh scripts/nb201_hypervolume.sh   # NB201 table vs latency_lut: hv_lut_*
#   OBJECTIVE=fbnet_latency sh scripts/nb201_hypervolume.sh # FBNet's space, NASWOT vs latency
#                                                           # timed on this machine: hv_fbnet_*
#
# The strategies take turns, CHUNK seeds at a time (default 5), so that a machine's load while
# the study runs (which the timed `latency` sees) falls on each strategy alike. Each chunk's
# store is runs/EXPERIMENT-STRATEGY.seedS.jsonl; each strategy's chunks are joined into
# runs/EXPERIMENT-STRATEGY.jsonl. NAS is the binary (default target/release/nas). Runs at the
# lowest priority with one libtorch thread.
set -eu
NAS=${NAS:-target/release/nas}
SEEDS=${SEEDS:-20}
CHUNK=${CHUNK:-5}
OBJECTIVE=${OBJECTIVE:-params}
file=scripts/nb201_hypervolume.nas
reward="% valid accuracy"
case "$OBJECTIVE" in
params) prefix=hv_ metric=params ;;
latency_lut) prefix=hv_lut_ metric=latency_lut ;;
fbnet_latency) prefix=hv_fbnet_ metric=latency file=scripts/fbnet_hypervolume.nas reward="naswot" ;;
*) echo "OBJECTIVE is params, latency_lut or fbnet_latency, not $OBJECTIVE" >&2; exit 2 ;;
esac
export OMP_NUM_THREADS=1
strategies="nsga2 evolution_mo random"
start=0
while [ "$start" -lt "$SEEDS" ]; do
    n=$((SEEDS - start))
    [ "$n" -gt "$CHUNK" ] && n=$CHUNK
    for s in $strategies; do
        nice -n 19 "$NAS" run "$file" --experiment "$prefix$s" --seed "$start" --seeds "$n" \
            --fresh --no-weights --out "runs/$prefix$s-$s.seed$start.jsonl" >/dev/null
    done
    start=$((start + n))
done
stores=""
for s in $strategies; do
    joined="runs/$prefix$s-$s.jsonl"
    start=0
    : >"$joined"
    while [ "$start" -lt "$SEEDS" ]; do
        cat "runs/$prefix$s-$s.seed$start.jsonl" >>"$joined"
        start=$((start + CHUNK))
    done
    stores="$stores $joined"
done
# shellcheck disable=SC2086
python3 scripts/nb201_hypervolume_table.py --metric "$metric" --reward "$reward" \
    --at 25 --at 50 --at 100 --at 200 $stores
