# An experiment is checked completely, and every mistake is reported in one run: the data's,
# the evaluator's (its optimizer's too), the objective's metric and the strategy's parameters
# (against what stdlib/strategies/evolution.rhai declares).
import "stdlib/spaces/nb201.nas"

experiment e {
    space     nb201(c: 8, n: 1)
    data      fashion_mnist(limit: 300, valdi: 0.25)
    evaluate  train(epochs: 1, bach: 16, optimizer: sgd(lr: 0.1, momentm: 0.9), schedule: cosin)
    strategy  evolution(populaton: 3, tournament: 2.5)
    budget    trials: 4
    objective maximize valid_accuracy
}
