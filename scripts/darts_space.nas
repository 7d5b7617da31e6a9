# DARTS on the DARTS space (normal and reduction cell, 4 nodes, each picking 2 inputs and an
# op for each) with Fashion-MNIST (28×28, 10 classes) on the CPU, then the derived cells
# retrained from scratch and tested.
#
#   nas run scripts/darts_space.nas                        # search, then retrain the result
#   nas run scripts/darts_space.nas --experiment search_second_order
#   nas run scripts/darts_space.nas --experiment retrain   # retrain the derived pair alone
#   nas run scripts/darts_space.nas --experiment retrain --strategy random   # a random pair
#
# The search: `ctx.supernet` compiles the space's own supernet from its IR — a mixed edge
# from every candidate input of every node, each over the 7 ops and `none` (DARTS' eight), α
# a row per edge (28 rows of 8) — at 8 channels and one normal cell per stage (the space's
# `c` and `n`), trains its weights
# on 1,000 images and α on 1,000 others (first order, α's Adam at 10× DARTS' learning rate,
# so that two short epochs move it), and derives the pair of cells: per node the 2 inputs
# whose strongest op other than `none` weighs most, each with that op. The strategy evaluates the derived
# architecture with this experiment's `train` evaluator: the network with those cells (8
# channels, one normal cell per stage) trained from scratch for 3 epochs on 9,500 images
# (500 held out for validation) and measured on the 10,000 test images.
#
# Fashion-MNIST is read from NAS_FASHION_MNIST or /usr/share/datasets/fashion-mnist.

import "stdlib/spaces/darts.nas"

experiment search {
    space     darts
    data      fashion_mnist(valid: 0.05, limit: 10000)
    evaluate  train(epochs: 3, batch: 96, optimizer: sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0003), schedule: cosine, channels: 8, cells: 1, threads: 2)
    strategy  darts(order: 1, epochs: 2, channels: 8, cells: 1, batch: 32, limit: 2000, arch_lr: 0.003, threads: 1)
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}

# The same search with DARTS' second-order α gradient (the unrolled objective, its
# Hessian-vector product by finite differences): one epoch, about three times the work a step.
experiment search_second_order {
    space     darts
    data      fashion_mnist(valid: 0.05, limit: 10000)
    evaluate  train(epochs: 3, batch: 96, optimizer: sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0003), schedule: cosine, channels: 8, cells: 1, threads: 2)
    strategy  darts(order: 2, epochs: 1, channels: 8, cells: 1, batch: 32, limit: 2000, arch_lr: 0.003, threads: 1)
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}

# The pair the search above derived (seed 0), retrained alone under the same recipe; with
# `--strategy random` the same retraining of a random pair, the baseline to compare with.
experiment retrain {
    space     darts
    data      fashion_mnist(valid: 0.05, limit: 10000)
    evaluate  train(epochs: 3, batch: 96, optimizer: sgd(lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0003), schedule: cosine, channels: 8, cells: 1, threads: 2)
    strategy  fixed(arch: "darts_normal.n0.in={c0,c1} darts_normal.n0.op0=dil_conv_5x5 darts_normal.n0.op1=avg_pool_3x3 darts_normal.n1.in={c1,n0} darts_normal.n1.op0=skip_connect darts_normal.n1.op1=avg_pool_3x3 darts_normal.n2.in={c0,c1} darts_normal.n2.op0=sep_conv_3x3 darts_normal.n2.op1=avg_pool_3x3 darts_normal.n3.in={c0,n1} darts_normal.n3.op0=dil_conv_5x5 darts_normal.n3.op1=sep_conv_3x3 darts_reduce.n0.in={c0,c1} darts_reduce.n0.op0=avg_pool_3x3 darts_reduce.n0.op1=dil_conv_3x3 darts_reduce.n1.in={c0,c1} darts_reduce.n1.op0=sep_conv_3x3 darts_reduce.n1.op1=sep_conv_3x3 darts_reduce.n2.in={n0,n1} darts_reduce.n2.op0=sep_conv_5x5 darts_reduce.n2.op1=sep_conv_5x5 darts_reduce.n3.in={c1,n2} darts_reduce.n3.op0=sep_conv_5x5 darts_reduce.n3.op1=max_pool_3x3")
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}
