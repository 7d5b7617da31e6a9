# DARTS (Liu et al., ICLR 2019): a normal and a reduction cell, each of 4 nodes; every node
# picks 2 distinct earlier nodes and an op for each. With the 7 ops a derived cell may hold
# (DARTS' `none` is mixed on every edge of the supernet and dropped when deriving), one cell
# has 1,037,664,180 architectures and the pair about 1.0767e18. The network has `n` normal cells per stage: 6 is DARTS' 20-cell
# evaluation network; smaller values give the small networks a search on a CPU can afford.

op sep_conv_3x3(c: int, stride: int = 1) = sep_conv(c, 3, stride: stride)
op sep_conv_5x5(c: int, stride: int = 1) = sep_conv(c, 5, stride: stride)
op dil_conv_3x3(c: int, stride: int = 1) = dil_conv(c, 3, stride: stride)
op dil_conv_5x5(c: int, stride: int = 1) = dil_conv(c, 5, stride: stride)
op max_pool_3x3(stride: int = 1) = max_pool(3, stride: stride)
op avg_pool_3x3(stride: int = 1) = avg_pool(3, stride: stride)
op skip_connect = skip

choice darts_op(c: int) = sep_conv_3x3(c) | sep_conv_5x5(c) | dil_conv_3x3(c) | dil_conv_5x5(c)
    | max_pool_3x3 | avg_pool_3x3 | skip_connect

cell darts_normal(c: int) {
    input  c0, c1
    node   n0 = sum(2 of [c0, c1] >> darts_op(c))
    node   n1 = sum(2 of [c0, c1, n0] >> darts_op(c))
    node   n2 = sum(2 of [c0, c1, n0, n1] >> darts_op(c))
    node   n3 = sum(2 of [c0, c1, n0, n1, n2] >> darts_op(c))
    output concat(n0, n1, n2, n3)
}

# The reduction cell has its own genotype (a separate cell, not a copy of the normal one).
# Its `stride` argument makes it a reduction cell: every edge that reads one of its inputs
# takes stride 2 (a skip becomes a factorized reduce), as in DARTS.
cell darts_reduce(c: int, stride: int = 2) {
    input  c0, c1
    node   n0 = sum(2 of [c0, c1] >> darts_op(c))
    node   n1 = sum(2 of [c0, c1, n0] >> darts_op(c))
    node   n2 = sum(2 of [c0, c1, n0, n1] >> darts_op(c))
    node   n3 = sum(2 of [c0, c1, n0, n1, n2] >> darts_op(c))
    output concat(n0, n1, n2, n3)
}

space darts(c: int = 16, n: int = 6, classes: int = 10) {
    input image(3, 32, 32)
    conv(3 * c, 3) >> batchnorm >> darts_normal(c) * n >> darts_reduce(2 * c)
        >> darts_normal(2 * c) * n >> darts_reduce(4 * c) >> darts_normal(4 * c) * n
        >> global_avg_pool >> linear(classes)
}
