# Issue #22's evidence on a second space: FBNet's layer-wise space (stdlib `fbnet` at 8
# channels and 2 layers per middle stage: 12 searched layers of 9 blocks each, 9^12
# architectures) trading a training-free score against the latency measured on this machine.
# The first objective is NASWOT (Mellor et al., 2021: the log-determinant of the binary
# activation-code kernel of a batch of 16 Fashion-MNIST images, maximised), the second the
# scored network's forward pass on one image on this CPU (`latency`, milliseconds, minimised),
# each network timed once and kept in the latency table of NAS_CACHE, so every strategy and
# seed reads the same number for it. NSGA-II, multi-objective regularised evolution and random
# search, 200 evaluations each; scripts/nb201_hypervolume.sh (STUDY=fbnet_latency) reads each
# run's hypervolume after 25, 50, 100 and 200 of them.
#
# Populations as in scripts/nb201_hypervolume.nas (20; tournament 5).

import "stdlib/spaces/fbnet.nas"

experiment hv_fbnet_nsga2 {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 500)
    evaluate  proxy(naswot, batch: 16, channels: 8, cells: 2)
    strategy  nsga2(population: 20)
    budget    trials: 200
    objective maximize naswot, minimize latency
}

experiment hv_fbnet_evolution_mo {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 500)
    evaluate  proxy(naswot, batch: 16, channels: 8, cells: 2)
    strategy  evolution_mo(population: 20, tournament: 5)
    budget    trials: 200
    objective maximize naswot, minimize latency
}

experiment hv_fbnet_random {
    space     fbnet(c: 8, n: 2, classes: 10)
    data      fashion_mnist(limit: 500)
    evaluate  proxy(naswot, batch: 16, channels: 8, cells: 2)
    strategy  random
    budget    trials: 200
    objective maximize naswot, minimize latency
}
