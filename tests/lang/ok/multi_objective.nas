# NAS-Bench-201's table traded against the parameter count and FLOPs of each cell's network.
import "stdlib/spaces/nb201.nas"

experiment nb201_nsga2 {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  nsga2(population: 20)
    budget    trials: 200
    objective maximize cifar10_valid_12, minimize params, minimize flops
}
