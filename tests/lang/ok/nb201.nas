# NAS-Bench-201: one cell genotype shared by all 15 cells, 5 ops on each of 6 edges.
import "stdlib/ops.nas"

cell nb201_cell(c: int) {
    input x0
    node x1 = sum(x0 >> nb201_op(c))
    node x2 = sum(x0 >> nb201_op(c), x1 >> nb201_op(c))
    node x3 = sum(x0 >> nb201_op(c), x1 >> nb201_op(c), x2 >> nb201_op(c))
    output x3
}

space nb201(c: int = 16, n: int = 5, classes: int = 10) {
    input image(3, 32, 32)
    conv(c, 3) >> batchnorm
        >> nb201_cell(c) * n >> resblock(2 * c, stride: 2)
        >> nb201_cell(2 * c) * n >> resblock(4 * c, stride: 2)
        >> nb201_cell(4 * c) * n >> batchnorm >> relu >> global_avg_pool >> linear(classes)
}

experiment nb201_rea {
    space nb201(c: 16, n: 5)
    data fashion_mnist(resize: 32)
    evaluate train(epochs: 12, batch: 256, optimizer: sgd(lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 5e-4), schedule: cosine)
    strategy evolution(population: 50, tournament: 10)
    budget trials: 200, time: 4h
    objective maximize valid_acc
}
