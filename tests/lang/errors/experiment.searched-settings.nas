# Alternatives in an evaluator's settings are decisions of every trial; only the settings a
# trial trains under take them, each alternative is a plain value read like the setting, and
# a table has no settings to search.
import "stdlib/spaces/nb201.nas"

experiment train_settings {
    space     nb201
    data      fashion_mnist(limit: 300)
    evaluate  train(lr: 0.1 | 0.05, channels: 4 | 8, flip: true | true, optimizer: sgd(momentum: 0.9 | 0) | adamw, schedule: cosine | cosin)
    strategy  grid
    budget    trials: 10
    objective maximize valid_acc
}

experiment table_settings {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", reward: "cifar10_valid_12" | "cifar10_valid_200")
    strategy  grid
    budget    trials: 10
    objective maximize cifar10_valid_12
}
