# NASWOT (Mellor et al., 2021): search without training. Each of 100 randomly sampled
# NAS-Bench-201 cells is scored at initialisation by the log-determinant of its ReLU
# activation-code kernel on one batch of 64 Fashion-MNIST images; the highest score is chosen
# and its 200-epoch CIFAR-10 test accuracy is read from the benchmark's table.
#
#   nas run scripts/naswot_nb201.nas --seeds 10
#
# The network is NAS-Bench-201's own (16 channels, 5 cells per stage) on 1×28×28 input.

import "stdlib/spaces/nb201.nas"

experiment naswot_nb201 {
    space     nb201
    data      fashion_mnist
    evaluate  proxy(naswot, batch: 64, channels: 16, cells: 5, table: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 100
    objective maximize naswot
}
