# Quickstart: a real architecture search that finishes on two CPU cores in under ten minutes.
#
#   nas run scripts/quickstart.nas          (or `make run`)
#
# Regularised evolution over the NAS-Bench-201 cell space. Every trial compiles its network
# (8 channels, one cell per stage), trains it for one epoch on 8,000 Fashion-MNIST images and
# is scored on 2,000 held-out ones (valid_acc, the reward). The test set (all 10,000 images)
# is measured for each trial that is the best so far, so the chosen architecture's test_acc
# is printed at the end. Kill it at any time: `nas run scripts/quickstart.nas --resume`
# continues without repeating a finished trial.

import "stdlib/spaces/nb201.nas"

experiment quickstart {
    space     nb201
    data      fashion_mnist(limit: 10000, valid: 0.2)
    evaluate  train(epochs: 1, batch: 64, optimizer: sgd(lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.0005), schedule: cosine, channels: 8, cells: 1)
    strategy  evolution(population: 8, tournament: 3)
    budget    trials: 40, time: 7m
    workers   2
    seed      0
    objective maximize valid_acc
}
