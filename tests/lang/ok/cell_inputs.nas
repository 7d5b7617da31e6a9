# A cell with two or more inputs brings each to `c` channels (its first argument) at the newest
# input's resolution before its nodes read them, as the compiler wires DARTS cells: here the
# stem's 24 channels and the previous cell's 32 are both 8 inside the cell, so summing a skip
# of `c0` with a convolution of `c1` is well formed.

cell pair(c: int) {
    input c0, c1
    node n0 = sum(c0 >> skip, c1 >> (conv(c, 3) | conv(c, 5)) >> batchnorm)
    node n1 = sum(n0 >> relu, c0 >> skip)
    output concat(n0, n1)
}

space pairs(c: int = 8) {
    input image(3, 16, 16)
    conv(3 * c, 3) >> batchnorm
        >> pair(c) * 2 >> pair(2 * c)
        >> global_avg_pool >> linear(10)
}
