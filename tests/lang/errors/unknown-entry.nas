space s {
    input image(3, 8, 8)
    conv(8, 3) >> global_avg_pool >> linear(10)
}

experiment e {
    space s
    stratgy evolution(population: 10)
    budget trials: 10, hours: 2
    evaluate table(file: "results.csv")
    objective maximize acc
}
