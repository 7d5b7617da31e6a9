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

experiment proxyless {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  proxyless(epochs: 6, warmup: 1, latency_weight: 0.1, cells: 1)
    budget    trials: 1
    objective maximize cifar10_valid_12
}

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
