# The time of one step of each one-shot mode on the supernet compiled from the DARTS space's
# IR (2 channels, one normal cell per stage, batch 16 of Fashion-MNIST, one thread): DARTS,
# GDAS, SNAS and a single path (RSPS, SPOS). The README quotes its figures.
#
#   nas run scripts/ir_step_times.nas --fresh

import "stdlib/spaces/darts.nas"

experiment step_times {
    space     darts
    data      fashion_mnist(valid: 0.1, limit: 160, test_limit: 64)
    evaluate  train(epochs: 1, batch: 32, channels: 2, cells: 1, threads: 1)
    strategy  "ir_step_times.rhai"
    budget    trials: 1
    seed      0
    objective maximize valid_acc
}
