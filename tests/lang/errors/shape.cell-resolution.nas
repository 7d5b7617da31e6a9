# A cell of stride 4 makes a map 4× smaller than the cell before it: a two-input cell cannot
# read both.
cell pair(c: int) {
    input a, b
    node n = sum(a >> conv(c, 3), b >> conv(c, 3))
    output n
}

cell one(c: int, stride: int = 1) {
    input x
    node n = sum(x >> conv(c, 3))
    output n
}

space s {
    input image(3, 32, 32)
    conv(8, 3) >> one(8) >> one(8, stride: 4) >> pair(8) >> global_avg_pool >> linear(10)
}
