# FBNet and ProxylessNAS on the layer-wise `fbnet` space (Wu et al., 2019: 22 layers in 7
# stages, each layer one of 9 blocks) with Fashion-MNIST on the CPU: the supernet at 8
# channels and 2 layers per middle stage (12 searched layers) trains on the experiment's
# images, and the architecture it derives is retrained from scratch for an epoch and tested.
#
#   nas run scripts/fbnet_space.nas                          # FBNet: CE · α · log(LAT)^β
#   nas run scripts/fbnet_space.nas --experiment proxyless_search  # ProxylessNAS' binary gates
#   nas run scripts/fbnet_space.nas --experiment random_arch  # one architecture drawn uniformly
#
# Both measure each block's latency on this machine once and cache it in latency.csv of
# NAS_CACHE (else ~/.cache/nas), keyed by device, op spec and input shape. Fashion-MNIST comes
# from NAS_FASHION_MNIST or /usr/share/datasets/fashion-mnist.

import "stdlib/spaces/fbnet.nas"

experiment fbnet_search {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 10000, valid: 0.1)
    evaluate  train(epochs: 1, batch: 64, optimizer: sgd(lr: 0.1, momentum: 0.9), schedule: cosine, channels: 8, cells: 2)
    strategy  fbnet(epochs: 3, channels: 8, cells: 2)
    budget    trials: 1
    objective maximize valid_acc
}

experiment proxyless_search {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 10000, valid: 0.1)
    evaluate  train(epochs: 1, batch: 64, optimizer: sgd(lr: 0.1, momentum: 0.9), schedule: cosine, channels: 8, cells: 2)
    strategy  proxyless(epochs: 3, warmup: 1, channels: 8, cells: 2)
    budget    trials: 1
    objective maximize valid_acc
}

experiment random_arch {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 10000, valid: 0.1)
    evaluate  train(epochs: 1, batch: 64, optimizer: sgd(lr: 0.1, momentum: 0.9), schedule: cosine, channels: 8, cells: 2)
    strategy  random
    budget    trials: 1
    objective maximize valid_acc
}
