# Sample-efficient search on NAS-Bench-201's own table (issue #21): the learned-surrogate
# strategies (neural_predictor, bananas, smac, bo_gbt) and Progressive Dynamic Hurdles (pdh)
# beside random search, regularised evolution and BOHB, at 50 and at 100 evaluations. The
# reward is the 12-epoch CIFAR-10 validation accuracy; a run's chosen architecture (its best
# reward) is judged by its 200-epoch CIFAR-10 test accuracy (the report).
#
# BOHB and PDH use the table's 12- and 200-epoch columns as fidelities under a simulated time
# budget, as the NAS-Bench-201 paper's BOHB row does: a full (200-epoch) evaluation costs 200
# simulated units and a 12-epoch one 12, and "50 evaluations" is 50 × 12 = 600 units (the time
# 50 of the other strategies' 12-epoch evaluations take). Their chosen architecture is the best
# at the highest fidelity they used.
#
# `scripts/nb201_predictors.sh` runs every experiment for SEEDS seeds and prints the summary;
# `nb201_predictor_tau` measures the predictors' Kendall τ (see nb201_predictor_tau.rhai).
#
# The table is read from the project's data folder (data/, or NAS_DATA).

import "stdlib/spaces/nb201.nas"

experiment random_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment evolution_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  evolution(population: 10, tournament: 5)
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment neural_predictor_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  neural_predictor
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment bananas_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  bananas
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment smac_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  smac
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment bo_gbt_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  bo_gbt
    budget    trials: 50
    objective maximize cifar10_valid_12
}

experiment bohb_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_{fidelity}", report: "cifar10_test_200", cost: 200)
    strategy  bohb
    budget    sim_time: 600s
    objective maximize cifar10_valid_200
}

experiment pdh_50 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_{fidelity}", report: "cifar10_test_200", cost: 200)
    strategy  pdh
    budget    sim_time: 600s
    objective maximize cifar10_valid_200
}

experiment random_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  random
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment evolution_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  evolution(population: 10, tournament: 5)
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment neural_predictor_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  neural_predictor
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment bananas_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  bananas
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment smac_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  smac
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment bo_gbt_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  bo_gbt
    budget    trials: 100
    objective maximize cifar10_valid_12
}

experiment bohb_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_{fidelity}", report: "cifar10_test_200", cost: 200)
    strategy  bohb
    budget    sim_time: 1200s
    objective maximize cifar10_valid_200
}

experiment pdh_100 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_{fidelity}", report: "cifar10_test_200", cost: 200)
    strategy  pdh
    budget    sim_time: 1200s
    objective maximize cifar10_valid_200
}

experiment nb201_predictor_tau {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  "nb201_predictor_tau.rhai"
    budget    trials: 1400
    objective maximize cifar10_valid_12
}
