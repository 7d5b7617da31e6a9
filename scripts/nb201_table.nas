# NAS-Bench-201 on its own table: every evaluation is a lookup of the 12-epoch CIFAR-10
# validation accuracy (the reward); the architecture a run chooses (its best reward) is
# judged by its 200-epoch CIFAR-10 test accuracy (the report). 100 evaluations per run.
#
#   nas run scripts/nb201_table.nas --strategy evolution --seeds 100
#
# The table is read from the project's data folder (data/, or NAS_DATA).

import "stdlib/spaces/nb201.nas"

experiment nb201_table {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  evolution(population: 10, tournament: 5)
    budget    trials: 100
    objective maximize cifar10_valid_12
}
