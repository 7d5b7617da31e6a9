# NAS-Bench-101 (Ying et al., ICML 2019): a DAG of at most 7 vertices (input, 5 op vertices,
# output) and at most 9 edges in which the input reaches the output; every op vertex sums any
# subset of earlier vertices and applies one of 3 ops, the output concatenates any subset.
# 423,624 unique graphs. Its networks compile as the benchmark builds them (the cell's form
# says so; see grammar/README.md): vertex channels split from the cell's, the input projected
# by 1x1 conv-BN-ReLU, pruned vertices left out. The benchmark downsamples with a 2x2 max
# pool, which has no parameters and gives the same 16x16 and 8x8 maps as the 3x3 one here.

op conv3x3_bn_relu(c: int) = conv(c, 3) >> batchnorm >> relu
op conv1x1_bn_relu(c: int) = conv(c, 1) >> batchnorm >> relu
op maxpool3x3 = max_pool(3)

choice nb101_op(c: int) = conv3x3_bn_relu(c) | conv1x1_bn_relu(c) | maxpool3x3

cell nb101_cell(c: int) {
    input  v0
    node   v1 = sum(any of [v0]) >> nb101_op(c)
    node   v2 = sum(any of [v0, v1]) >> nb101_op(c)
    node   v3 = sum(any of [v0, v1, v2]) >> nb101_op(c)
    node   v4 = sum(any of [v0, v1, v2, v3]) >> nb101_op(c)
    node   v5 = sum(any of [v0, v1, v2, v3, v4]) >> nb101_op(c)
    output concat(any of [v0, v1, v2, v3, v4, v5])
    where  edges <= 9
    where  connected
}

space nb101(c: int = 128, cells: int = 3, classes: int = 10) {
    input image(3, 32, 32)
    conv(c, 3) >> batchnorm >> relu >> nb101_cell(c) * cells >> max_pool(3, stride: 2)
        >> nb101_cell(2 * c) * cells >> max_pool(3, stride: 2) >> nb101_cell(4 * c) * cells
        >> global_avg_pool >> linear(classes)
}
