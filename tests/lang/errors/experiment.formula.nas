# A scalarised objective is a formula of the evaluator's one metric and the metrics computed
# without training (params, flops, latency, latency_lut): numbers, + - * / %, comparisons
# and pow, min, max, exp, log, abs, sqrt, if.
import "stdlib/spaces/nb201.nas"

experiment nothing_measured {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective minimize params * pow(latency, 2)
}

experiment two_measured {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective maximize cifar10_valid_12 + cifar10_valid_200
}

experiment unknown_function {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective maximize cifar10_valid_12 * pwo(latency_lut / 3, -0.07)
}

experiment arity {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective maximize cifar10_valid_12 * if(latency_lut <= 3, 1)
}

experiment formula_second {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  nsga2(population: 10)
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize params / 1M
}
