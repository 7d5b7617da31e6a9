# DARTS: a normal and a reduction cell, each node picks 2 of the earlier states, each picked
# input gets its own op decision.
import "stdlib/ops.nas"

# NASNet's 1×7 then 7×1 convolution: non-square kernels give height and width.
op conv_7x1_1x7(c: int) = relu >> conv(c, kh: 1, kw: 7) >> conv(c, kh: 7, kw: 1) >> batchnorm

cell normal(c: int) {
    input c0, c1
    node p0 = c0 >> relu_conv_bn(c, 1)
    node p1 = c1 >> relu_conv_bn(c, 1)
    node n0 = sum(2 of [p0, p1] >> darts_op(c))
    node n1 = sum(2 of [p0, p1, n0] >> (darts_op(c) | conv_7x1_1x7(c)))
    node n2 = sum(2 of [p0, p1, n0, n1] >> darts_op(c))
    node n3 = sum(2 of [p0, p1, n0, n1, n2] >> darts_op(c))
    output concat(n0, n1, n2, n3)
}

cell reduction(c: int) {
    input c0, c1
    node p0 = c0 >> relu_conv_bn(c, 1)
    node p1 = c1 >> relu_conv_bn(c, 1)
    node n0 = sum(2 of [p0, p1] >> darts_reduce_op(c))
    node n1 = sum(2 of [p0, p1] >> darts_reduce_op(c), 1 of [n0] >> darts_op(c))
    output concat(n0, n1)
}

space darts(c: int = 16, layers: int = 2) {
    input image(3, 32, 32)
    conv(3 * c, 3) >> batchnorm
        >> normal(c) * layers >> reduction(2 * c)
        >> normal(2 * c) * layers >> reduction(4 * c)
        >> normal(4 * c) * layers >> global_avg_pool >> linear(10)
}
