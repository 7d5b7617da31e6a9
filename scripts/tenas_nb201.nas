# TE-NAS (Chen, Gong & Wang, ICLR 2021): search without training by pruning the
# NAS-Bench-201 supernet. Every edge starts with its four ops other than `none`; each round
# scores, for every remaining op, how removing it changes the NTK condition number (on a
# 3-channel, one-cell-per-stage supernet, a batch of 32 Fashion-MNIST images padded to
# 3×32×32) and the number of linear regions (a one-channel supernet on 3,000 3×3 patches),
# each over 3 initialisations, and prunes the least important op on every edge; after three
# rounds one op is left per edge. The cell's 200-epoch CIFAR-10 test accuracy is read from
# the benchmark's table.
#
#   nas run scripts/tenas_nb201.nas
#
# The table is read from the project's data folder (data/, or NAS_DATA); Fashion-MNIST
# from NAS_FASHION_MNIST or /usr/share/datasets/fashion-mnist.

import "stdlib/spaces/nb201.nas"

experiment tenas_nb201 {
    space     nb201
    data      fashion_mnist(valid: 0.1)
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  tenas(channels: 3, cells: 1, batch: 32, repeats: 3, patches: 3000)
    budget    trials: 1
    objective maximize cifar10_valid_12
}
