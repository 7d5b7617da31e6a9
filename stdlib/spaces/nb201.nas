# NAS-Bench-201 (Dong & Yang, ICLR 2020): one cell of 4 nodes searched, stacked 3 x n times.
# Every edge i -> j picks one of five ops: 5^6 = 15,625 cells. Canonical strings are the
# benchmark's own: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|.

op nor_conv_1x1(c: int) = relu >> conv(c, 1) >> batchnorm
op nor_conv_3x3(c: int) = relu >> conv(c, 3) >> batchnorm
op avg_pool_3x3 = avg_pool(3)
op skip_connect = skip

choice nb201_op(c: int) = none | skip_connect | nor_conv_1x1(c) | nor_conv_3x3(c) | avg_pool_3x3

cell nb201_cell(c: int) {
    input  x0
    node   x1 = sum(x0 >> nb201_op(c))
    node   x2 = sum(x0 >> nb201_op(c), x1 >> nb201_op(c))
    node   x3 = sum(x0 >> nb201_op(c), x1 >> nb201_op(c), x2 >> nb201_op(c))
    output x3
}

# All instances of the cell share one genotype.
space nb201(c: int = 16, n: int = 5, classes: int = 10) {
    input image(3, 32, 32)
    conv(c, 3) >> batchnorm >> nb201_cell(c) * n >> resblock(2 * c, stride: 2)
        >> nb201_cell(2 * c) * n >> resblock(4 * c, stride: 2) >> nb201_cell(4 * c) * n >> batchnorm
        >> relu >> global_avg_pool >> linear(classes)
}
