# ENAS macro space (Pham et al., ICML 2018): 12 layers, each applying one of 6 ops to the
# previous layer and adding skip connections from any subset of the earlier layers:
# 6^12 x 2^66 architectures.

op conv_3x3(c: int) = relu >> conv(c, 3) >> batchnorm
op conv_5x5(c: int) = relu >> conv(c, 5) >> batchnorm
op sep_conv_3x3(c: int) = relu >> sep_conv(c, 3) >> batchnorm
op sep_conv_5x5(c: int) = relu >> sep_conv(c, 5) >> batchnorm
op max_pool_3x3 = max_pool(3)
op avg_pool_3x3 = avg_pool(3)

choice enas_op(c: int) = conv_3x3(c) | conv_5x5(c) | sep_conv_3x3(c) | sep_conv_5x5(c)
    | max_pool_3x3 | avg_pool_3x3

cell enas_macro_net(c: int) {
    input  x
    node   l1 = x >> enas_op(c)
    node   l2 = sum(l1 >> enas_op(c), any of [l1])
    node   l3 = sum(l2 >> enas_op(c), any of [l1, l2])
    node   l4 = sum(l3 >> enas_op(c), any of [l1, l2, l3])
    node   l5 = sum(l4 >> enas_op(c), any of [l1, l2, l3, l4])
    node   l6 = sum(l5 >> enas_op(c), any of [l1, l2, l3, l4, l5])
    node   l7 = sum(l6 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6])
    node   l8 = sum(l7 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6, l7])
    node   l9 = sum(l8 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6, l7, l8])
    node   l10 = sum(l9 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6, l7, l8, l9])
    node   l11 = sum(l10 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6, l7, l8, l9, l10])
    node   l12 = sum(l11 >> enas_op(c), any of [l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11])
    output l12
}

space enas_macro(c: int = 36, classes: int = 10) {
    input image(3, 32, 32)
    conv(c, 3) >> batchnorm >> enas_macro_net(c) >> global_avg_pool >> linear(classes)
}
