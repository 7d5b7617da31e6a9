# NAS-RL's last step (Zoph & Le, ICLR 2017, section 4.1): once the controller has found an
# architecture, "we run a small grid search over learning rate, weight decay, batchnorm
# epsilon and what epoch to decay the learning rate". Here: a grid over the learning rate and
# the weight decay of one architecture of the NAS-RL space, written with alternatives in the
# evaluator's settings. Each setting with alternatives is a decision of every trial
# (`train.lr`, `train.weight_decay`), so the store keeps each trial's choice in its
# architecture text and `nas export --best` writes the chosen ones into arch.json's training
# record.
#
# `nas_rl_final_grid` grids a found architecture of the real 15-layer space: `fixed(arch: ..)`
# given an architecture in the space's own text (as a search of the space alone prints it,
# without `train.*` values) trains it under every combination of the settings' alternatives,
# 3 x 2 trials. The architecture below stands in for the controller's winner: it is the first
# one `nas sample nas_rl --seed 0` prints, because NAS-RL's search of the full space has not
# been run here; put your own run's chosen architecture in its place. It is a large network
# (2.6 M weights, 2.7 G multiply-accumulates per 32 x 32 image), so this grid is hours on two
# CPU cores; `nas_rl_final_grid_small` is the same grid over a three-layer network written as
# a space of one architecture (`grid` enumerates the settings), minutes on two CPU cores.
#
#   nas run scripts/nas_rl_final_grid.nas --experiment nas_rl_final_grid_small
#   nas export runs/nas_rl_final_grid_small-grid.jsonl --best -o found
#
# Deviations: Fashion-MNIST instead of CIFAR-10, one epoch on 4,000 images, and no grid over
# batchnorm epsilon or the decay epoch (the settings have no such keys); the small grid's
# network has three layers (the paper's have 15 to 39). The paper's training otherwise: SGD
# with Nesterov momentum 0.9.

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
    space     nas_rl
    data      fashion_mnist(limit: 5000, valid: 0.2, test_limit: 2000)
    evaluate  train(epochs: 1, batch: 64, lr: 0.1 | 0.05 | 0.02, weight_decay: 0.0001 | 0.0005, optimizer: sgd(momentum: 0.9, nesterov: true), schedule: cosine)
    strategy  fixed(arch: "nas_rl_net.l1.op.count=48 nas_rl_net.l1.op.height=5 nas_rl_net.l1.op.width=5 nas_rl_net.l2.1.in={x} nas_rl_net.l2.op.count=48 nas_rl_net.l2.op.height=5 nas_rl_net.l2.op.width=1 nas_rl_net.l3.1.in={x} nas_rl_net.l3.op.count=48 nas_rl_net.l3.op.height=5 nas_rl_net.l3.op.width=3 nas_rl_net.l4.1.in={x,l2} nas_rl_net.l4.op.count=64 nas_rl_net.l4.op.height=3 nas_rl_net.l4.op.width=7 nas_rl_net.l5.1.in={l3} nas_rl_net.l5.op.count=36 nas_rl_net.l5.op.height=7 nas_rl_net.l5.op.width=7 nas_rl_net.l6.1.in={l1,l4} nas_rl_net.l6.op.count=48 nas_rl_net.l6.op.height=5 nas_rl_net.l6.op.width=3 nas_rl_net.l7.1.in={l1,l5} nas_rl_net.l7.op.count=48 nas_rl_net.l7.op.height=5 nas_rl_net.l7.op.width=1 nas_rl_net.l8.1.in={l2,l5} nas_rl_net.l8.op.count=36 nas_rl_net.l8.op.height=5 nas_rl_net.l8.op.width=5 nas_rl_net.l9.1.in={x,l3,l4} nas_rl_net.l9.op.count=48 nas_rl_net.l9.op.height=7 nas_rl_net.l9.op.width=7 nas_rl_net.l10.1.in={x,l1,l2} nas_rl_net.l10.op.count=48 nas_rl_net.l10.op.height=7 nas_rl_net.l10.op.width=7 nas_rl_net.l11.1.in={x,l2,l3,l6,l7,l8,l9} nas_rl_net.l11.op.count=48 nas_rl_net.l11.op.height=7 nas_rl_net.l11.op.width=7 nas_rl_net.l12.1.in={l3,l5,l6,l7,l8,l9} nas_rl_net.l12.op.count=48 nas_rl_net.l12.op.height=5 nas_rl_net.l12.op.width=5 nas_rl_net.l13.1.in={l2,l4,l6,l8,l10,l11} nas_rl_net.l13.op.count=36 nas_rl_net.l13.op.height=3 nas_rl_net.l13.op.width=3 nas_rl_net.l14.1.in={l2,l3,l8,l10,l12} nas_rl_net.l14.op.count=36 nas_rl_net.l14.op.height=3 nas_rl_net.l14.op.width=1 nas_rl_net.l15.1.in={x,l4,l5,l7,l10,l12,l13} nas_rl_net.l15.op.count=24 nas_rl_net.l15.op.height=1 nas_rl_net.l15.op.width=1")
    budget    trials: 6
    workers   2
    seed      0
    objective maximize valid_acc
}

experiment nas_rl_final_grid_small {
    space     found
    data      fashion_mnist(limit: 5000, valid: 0.2, test_limit: 2000)
    evaluate  train(epochs: 1, batch: 64, lr: 0.1 | 0.05 | 0.02, weight_decay: 0.0001 | 0.0005, optimizer: sgd(momentum: 0.9, nesterov: true), schedule: cosine)
    strategy  grid
    budget    trials: 6
    workers   2
    seed      0
    objective maximize valid_acc
}
