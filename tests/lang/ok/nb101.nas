# NAS-Bench-101: any subset of earlier vertices feeds each vertex; at most 9 edges.
import "stdlib/ops.nas"

cell nb101_cell(c: int) {
    input v0
    node v1 = sum(any of [v0 >> conv(c, 1)]) >> nb101_op(c)
    node v2 = sum(any of [v0 >> conv(c, 1), v1]) >> nb101_op(c)
    node v3 = sum(any of [v0 >> conv(c, 1), v1, v2]) >> nb101_op(c)
    output concat(any of [v1, v2, v3])
    where edges <= 9
    where connected
}

space nb101(c: int = 16, stacks: int = 3) {
    input image(3, 32, 32)
    conv_bn_relu(c, 3) >> nb101_cell(c) * stacks >> max_pool(3, stride: 2) >> nb101_cell(c) * stacks
        >> global_avg_pool >> linear(10)
}
