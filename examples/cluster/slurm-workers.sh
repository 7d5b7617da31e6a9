#!/usr/bin/env bash
# Workers of one database-backed nas run as a Slurm job array: one array task per GPU.
#
#   sbatch --array=0-7 examples/cluster/slurm-workers.sh
#
# The driver runs elsewhere (a login node, a small CPU job):
#   nas run search.nas --store "$NAS_STORE"
# NAS_STORE holds the database's URL (postgres://USER@HOST:PORT/DB); keep it out of the
# command line so that `squeue`/`ps` do not show it. NAS_DATA is the node's data folder
# (the table or data set the experiment reads); every worker must see the same data.
#SBATCH --job-name=nas-workers
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=4
#SBATCH --time=24:00:00
#SBATCH --output=nas-worker-%A_%a.log
set -euo pipefail
: "${NAS_STORE:?set NAS_STORE to the database URL (postgres://USER@HOST:PORT/DB)}"
: "${NAS_DATA:?set NAS_DATA to this cluster's data folder}"
export NAS_STORE NAS_DATA
# Slurm gives each task one GPU (CUDA_VISIBLE_DEVICES); the worker stops when the run is done.
exec nas worker --experiment "${NAS_EXPERIMENT:-search}" --threads 1
