# One-shot search on the NAS-Bench-201 space with Fashion-MNIST (28×28, 10 classes) on the
# CPU: a small supernet compiled from the space (8 channels, one cell per stage) trains on 2,000 images while α trains
# on another 2,000; the derived cell is then looked up in the benchmark's table, whose
# `cifar10_test_200` (CIFAR-10 test accuracy after 200 epochs) is the report — the classic
# check of whether the search collapses towards skip connections and pooling.
#
#   nas run scripts/darts_nb201.nas                          # DARTS, first order
#   nas run scripts/darts_nb201.nas --experiment darts_second_order
#   nas run scripts/darts_nb201.nas --experiment gdas
#   nas run scripts/darts_nb201.nas --experiment snas
#   nas run scripts/darts_nb201.nas --experiment pc_darts
#   nas run scripts/darts_nb201.nas --experiment enas
#   nas run scripts/darts_nb201.nas --experiment enas_lstm     # ENAS with its paper's LSTM controller
#   nas run scripts/darts_nb201.nas --experiment proxyless
#   nas run scripts/darts_nb201.nas --experiment rsps
#   nas run scripts/darts_nb201.nas --experiment spos
#   nas run scripts/darts_nb201.nas --experiment darts_minus   # the remedies of DARTS' collapse
#   nas run scripts/darts_nb201.nas --experiment sdarts_rs
#   nas run scripts/darts_nb201.nas --experiment sdarts_adv
#   nas run scripts/darts_nb201.nas --experiment sgas
#   nas run scripts/darts_nb201.nas --experiment darts_plus
#   nas run scripts/darts_nb201.nas --experiment drnas
#   nas run scripts/darts_nb201.nas --experiment pdarts
#   nas run scripts/darts_nb201.nas --experiment darts_pt
#   nas run scripts/darts_nb201.nas --experiment setn
#   nas run scripts/darts_nb201.nas --experiment fbnet
#   nas run scripts/darts_nb201.nas --experiment random_cell     # no search: the floor
#
# The collapse study runs each with `--seeds 3` and summarises the stores with
#   nas report --summary runs/darts_first_order-darts.jsonl runs/rsps-rsps.jsonl ...
# (per experiment: cifar10_test_200 of the derived cells, mean ± sample std over seeds, the
# share of parameter-free ops among their edges, and wall and CPU time per seed).
#
# Random search with the same budget is `rsps` (Li & Talwalkar's random search with weight
# sharing, the NAS-Bench-201 paper's RSPS row): the same supernet (8 channels, one cell per
# stage), the same 6 epochs over the same 2,000 + 2,000 images, the same weight schedule;
# where DARTS also takes an α step each step, RSPS trains a uniformly drawn path, then scores
# 100 random cells through the shared weights (4 validation batches each, less compute than
# DARTS' α steps) and picks the best. Random search without weight sharing could, at that
# compute, train some tens of single cells for an epoch each, a different signal (short
# standalone training) that is not run here; looking 100 cells up in the table would use the
# benchmark's 200-epoch training, which no method here gets. `random_cell` is the floor: one
# cell drawn uniformly, no search at all (its mean over seeds estimates the space's average
# cell).
#
# ProxylessNAS measures its op latencies on this machine once and caches them in latency.csv
# of NAS_CACHE (else ~/.cache/nas), keyed by device, op spec and input shape.
#
# The table is read from the project's data folder (data/, or NAS_DATA); Fashion-MNIST (the
# experiment's `data`, which the supernet trains on; the first 4,000 training images by default)
# from NAS_FASHION_MNIST or /usr/share/datasets/fashion-mnist.

import "stdlib/spaces/nb201.nas"

experiment darts_first_order {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts(order: 1, epochs: 6, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment darts_second_order {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts(order: 2, epochs: 3, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment gdas {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  gdas(epochs: 30, tau_max: 10.0, tau_min: 0.1, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment snas {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  snas(epochs: 10, tau_max: 1.0, tau_min: 0.03, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment pc_darts {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  pc_darts(partial: 4, channels: 16, cells: 1, epochs: 6, warmup: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment enas {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  enas(epochs: 6, controller_steps: 50, candidates: 20, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment enas_lstm {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  enas(controller: "lstm", epochs: 6, controller_steps: 50, candidates: 20, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment proxyless {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  proxyless(epochs: 6, warmup: 1, latency_weight: 0.1, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

# The same-budget random-search baseline of the study (see the header).
experiment rsps {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  rsps(epochs: 6, candidates: 100, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment spos {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  spos(epochs: 6, population: 20, generations: 5, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment darts_minus {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts_minus(epochs: 6, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment sdarts_rs {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  sdarts(variant: rs, epochs: 6, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment sdarts_adv {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  sdarts(variant: adv, epochs: 6, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment sgas {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  sgas(criterion: 2, warmup: 1, decision_freq: 1, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment darts_plus {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts_plus(epochs: 6, patience: 2, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment drnas {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  drnas(epochs: 6, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment pdarts {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  pdarts(stages: [1, 2], keep: [2], dropout: [0.0, 0.4], epochs: 3, warmup: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment darts_pt {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts_pt(epochs: 6, tune_epochs: 1, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

experiment setn {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  setn(epochs: 6, select: 100, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

# FBNet's Gumbel-softmax search with its latency loss on the per-op latency table measured here
# (ProxylessNAS' table), over the study's 2,000 + 2,000 images (`train_fraction: 0.5`; the
# paper's split is 80/20) and its 6 epochs.
experiment fbnet {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  fbnet(epochs: 6, cells: 1, train_fraction: 0.5)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

# No search: one cell drawn uniformly from the space (the floor the searches should beat).
experiment random_cell {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 1
    objective maximize cifar10_valid_12
}

# The collapse study's long runs: DARTS (first order) and two of its remedies for 30 epochs,
# five times the study's, with the cell derived after every epoch looked up too
# (`evaluate_every: 1`, a trial each); `nas report runs/darts_long-darts.jsonl --trials` lists
# them in order with the share of parameter-free ops (skip, pooling, `none`) in each.
experiment darts_long {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts(order: 1, epochs: 30, cells: 1, evaluate_every: 1)
    budget    trials: 30
    objective maximize cifar10_valid_12
}

experiment darts_minus_long {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  darts_minus(epochs: 30, cells: 1, evaluate_every: 1)
    budget    trials: 30
    objective maximize cifar10_valid_12
}

experiment sdarts_rs_long {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  sdarts(variant: rs, epochs: 30, cells: 1, evaluate_every: 1)
    budget    trials: 30
    objective maximize cifar10_valid_12
}
