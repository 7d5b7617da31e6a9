# Several objectives: the first is the evaluator's metric; the ones after it are computed
# from the architecture without training (params, flops, latency, latency_lut), each named once.
import "stdlib/spaces/nb201.nas"

experiment unknown_second {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  nsga2(population: 10)
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize memory
}

experiment misspelt {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  nsga2(population: 10)
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize parms
}

experiment training_free_first {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_12")
    strategy  nsga2(population: 10)
    budget    trials: 20
    objective minimize params, maximize cifar10_valid_12
}

experiment twice {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  nsga2(population: 10)
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize params, maximize params
}
