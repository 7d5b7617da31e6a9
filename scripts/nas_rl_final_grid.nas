# NAS-RL's last step (Zoph & Le, ICLR 2017, section 4.1): once the controller has found an
# architecture, "we run a small grid search over learning rate, weight decay, batchnorm
# epsilon and what epoch to decay the learning rate". Here: a grid over the learning rate and
# the weight decay of one fixed architecture of the NAS-RL space, written with alternatives in
# the evaluator's settings. Each setting with alternatives is a decision of every trial
# (`train.lr`, `train.weight_decay`), so `grid` enumerates the 3 x 2 combinations, the store
# keeps each trial's choice in its architecture text, and `nas export --best` writes the
# chosen ones into arch.json's training record.
#
#   nas run scripts/nas_rl_final_grid.nas
#   nas export runs/nas_rl_final_grid-grid.jsonl --best -o found
#
# Deviations, to finish in minutes on two CPU cores: three layers of the space (the paper's
# networks have 15 to 39), Fashion-MNIST instead of CIFAR-10, one epoch on 4,000 images, and
# no grid over batchnorm epsilon or the decay epoch (the settings have no such keys). The
# paper's training otherwise: SGD with Nesterov momentum 0.9.

import "stdlib/spaces/nas_rl.nas"

# The found architecture: filter counts and sizes chosen, skip connections as concatenations.
cell found_net {
    input  x
    node   l1 = x >> nas_rl_layer(36, 3, 3)
    node   l2 = concat(l1, x) >> nas_rl_layer(48, 3, 5)
    node   l3 = concat(l2, l1) >> nas_rl_layer(36, 5, 3)
    output l3
}

space found(classes: int = 10) {
    input image(1, 28, 28)
    found_net >> global_avg_pool >> linear(classes)
}

experiment nas_rl_final_grid {
    space     found
    data      fashion_mnist(limit: 5000, valid: 0.2, test_limit: 2000)
    evaluate  train(epochs: 1, batch: 64, lr: 0.1 | 0.05 | 0.02, weight_decay: 0.0001 | 0.0005, optimizer: sgd(momentum: 0.9, nesterov: true), schedule: cosine)
    strategy  grid
    budget    trials: 6
    workers   2
    seed      0
    objective maximize valid_acc
}
