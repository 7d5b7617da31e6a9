# `latency batch: N` sets how many examples the timed forward pass of `latency` (and the
# per-op table of `latency_lut`) holds: a whole number, at least 1.
import "stdlib/spaces/nb201.nas"

experiment empty_batch {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize latency
    latency   batch: 0
}

experiment misspelt {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 20
    objective maximize cifar10_valid_12, minimize latency
    latency   bach: 4
}
