# Issue #22's evidence: NAS-Bench-201 on its own table with two objectives, the 12-epoch
# CIFAR-10 validation accuracy (maximised) and the network's trainable parameters (minimised,
# counted by the compiler), searched by NSGA-II, multi-objective regularised evolution and
# random search for 200 evaluations each; scripts/nb201_hypervolume.sh reads each run's
# hypervolume after 25, 50, 100 and 200 of them.
#
#   sh scripts/nb201_hypervolume.sh            (20 seeds each)
#   OBJECTIVE=latency_lut sh scripts/nb201_hypervolume.sh
#
# The hv_lut_* experiments trade the same accuracy against `latency_lut`, the milliseconds the
# per-op latency table measured on this machine predicts (ProxylessNAS' and FBNet's latency
# objective): deterministic once the table is measured, so every run of every strategy sees
# the same numbers, which timing each network during the runs would not give on a shared
# machine.
#
# NSGA-II and evolution_mo run at population 20 / 20 (tournament 5) rather than their papers'
# 100 and 50, so that 200 evaluations hold several generations.

import "stdlib/spaces/nb201.nas"

experiment hv_nsga2 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  nsga2(population: 20)
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize params
}

experiment hv_evolution_mo {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  evolution_mo(population: 20, tournament: 5)
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize params
}

experiment hv_random {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize params
}

experiment hv_lut_nsga2 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  nsga2(population: 20)
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize latency_lut
}

experiment hv_lut_evolution_mo {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  evolution_mo(population: 20, tournament: 5)
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize latency_lut
}

experiment hv_lut_random {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize latency_lut
}
