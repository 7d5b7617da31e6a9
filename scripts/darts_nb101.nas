# DARTS on NAS-Bench-101 (stdlib/spaces/nb101.nas: 5 op vertices, each summing any subset of
# earlier vertices, the output concatenating any subset, at most 9 edges) with Fashion-MNIST
# (28×28, 10 classes) on the CPU, then the derived cell retrained from scratch and tested.
#
#   nas run scripts/darts_nb101.nas                        # search, then retrain the result
#   nas run scripts/darts_nb101.nas --experiment random    # one random cell, same training
#
# The search: `ctx.supernet` compiles the space's own supernet from its IR — each vertex's
# three ops mixed (one α row each) and each `any of` member an edge gated by its own off/on
# row (21 rows) — at 10 channels and one cell per stage. A NAS-Bench-101 vertex's width
# depends on the architecture, so the supernet holds every vertex's weights at the cell's
# full width and runs each pass on slices of them: the relaxation runs every vertex at the
# width it has when all five feed the output (10 channels split five ways in the first
# stage), a single architecture (the derived one, when its validation accuracy is read
# through the supernet) at its own widths. It trains the weights on 1,000 images and α on
# 1,000 others (first order, α's Adam at 10× DARTS' learning rate, so that two short epochs
# move it), and derives the cell: each vertex's strongest op, each member whose `on`
# outweighs its `off`, the weakest cut while more than 9 edges are on. There is no
# NAS-Bench-101 table in data/, so the derived cell is evaluated with this
# experiment's `train` evaluator: the network with that cell (16 channels, one cell per
# stage) trained from scratch for 3 epochs on 9,500 images (500 held out for validation)
# and measured on the 10,000 test images.
#
# Fashion-MNIST is read from NAS_FASHION_MNIST or /usr/share/datasets/fashion-mnist.

import "stdlib/spaces/nb101.nas"

experiment search {
    space     nb101
    data      fashion_mnist(valid: 0.05, limit: 10000)
    evaluate  train(epochs: 3, batch: 96, optimizer: sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0003), schedule: cosine, channels: 16, cells: 1, threads: 2)
    strategy  darts(order: 1, epochs: 2, channels: 10, cells: 1, batch: 32, limit: 2000, arch_lr: 0.003, threads: 1)
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}

# The baseline: one architecture drawn at random, trained and tested the same way.
experiment random {
    space     nb101
    data      fashion_mnist(valid: 0.05, limit: 10000)
    evaluate  train(epochs: 3, batch: 96, optimizer: sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0003), schedule: cosine, channels: 16, cells: 1, threads: 2)
    strategy  random
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}
