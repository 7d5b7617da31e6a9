# `c` has no default, so the space is lowered as the experiment uses it: from a depth of 0.
cell block(c: int) {
    input x
    node y = sum(x >> conv(c, 3), x)
    output y
}
space s(c: int, k: int = 1) {
    input image(1, 28, 28)
    conv(c, 3) >> block(c) * (k..=2) >> global_avg_pool >> linear(10)
}
experiment e {
    space s(c: 8, k: 0)
    data fashion_mnist(limit: 100)
    evaluate train(epochs: 1)
    strategy random
    budget trials: 2
    objective maximize valid_acc
}
