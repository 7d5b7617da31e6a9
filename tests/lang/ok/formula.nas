# A scalarised objective: MnasNet's reward ACC * (LAT / T)^w, w switching at the target T
# (here the latency table's prediction, T = 3 ms), written in the language.
import "stdlib/spaces/nb201.nas"

experiment mnas_reward {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv", report: "cifar10_test_200")
    strategy  reinforce
    budget    trials: 200
    objective maximize cifar10_valid_12 * pow(latency_lut / 3, if(latency_lut <= 3, -0.07, -0.07))
}

experiment penalised_and_traded {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  nsga2(population: 20)
    budget    trials: 200
    objective maximize cifar10_valid_12 - 5 * (params > 1M), minimize flops
}
