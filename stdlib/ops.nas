# The standard library of composite ops, written in the .nas language itself.
# Use it with `import "stdlib/ops.nas"`. Built-in ops (conv, sep_conv, dil_conv, pools,
# batchnorm, activations, skip, none, factorized_reduce, resblock, mbconv, linear, ...) are
# described in grammar/README.md.

# Building blocks.
op relu_conv_bn(c: int, k: int, stride: int = 1) = relu >> conv(c, k, stride: stride) >> batchnorm
op conv_bn_relu(c: int, k: int, stride: int = 1) = conv(c, k, stride: stride) >> batchnorm >> relu
op residual(body: op) = sum(skip, body)

# DARTS (Liu et al., 2019): separable convolutions are applied twice, dilated ones once.
op sep_conv_3x3(c: int, stride: int = 1) = relu >> sep_conv(c, 3, stride: stride) >> batchnorm
    >> relu >> sep_conv(c, 3) >> batchnorm
op sep_conv_5x5(c: int, stride: int = 1) = relu >> sep_conv(c, 5, stride: stride) >> batchnorm
    >> relu >> sep_conv(c, 5) >> batchnorm
op sep_conv_7x7(c: int, stride: int = 1) = relu >> sep_conv(c, 7, stride: stride) >> batchnorm
    >> relu >> sep_conv(c, 7) >> batchnorm
op dil_conv_3x3(c: int, stride: int = 1) = relu >> dil_conv(c, 3, stride: stride, dilation: 2)
    >> batchnorm
op dil_conv_5x5(c: int, stride: int = 1) = relu >> dil_conv(c, 5, stride: stride, dilation: 2)
    >> batchnorm
op max_pool_3x3(stride: int = 1) = max_pool(3, stride: stride)
op avg_pool_3x3(stride: int = 1) = avg_pool(3, stride: stride)

# The eight DARTS candidates on a normal edge, and on an edge leaving a reduction cell's input.
choice darts_op(c: int) = none | max_pool_3x3 | avg_pool_3x3 | skip | sep_conv_3x3(c)
    | sep_conv_5x5(c) | dil_conv_3x3(c) | dil_conv_5x5(c)
choice darts_reduce_op(c: int) = none | max_pool_3x3(2) | avg_pool_3x3(2) | factorized_reduce(c)
    | sep_conv_3x3(c, 2) | sep_conv_5x5(c, 2) | dil_conv_3x3(c, 2) | dil_conv_5x5(c, 2)

# NAS-Bench-201 (Dong & Yang, 2020): five candidates per edge.
choice nb201_op(c: int) = none | skip | relu_conv_bn(c, 1) | relu_conv_bn(c, 3) | avg_pool_3x3

# NAS-Bench-101 (Ying et al., 2019): three candidates per vertex.
op conv3x3_bn_relu(c: int) = conv_bn_relu(c, 3)
op conv1x1_bn_relu(c: int) = conv_bn_relu(c, 1)
choice nb101_op(c: int) = conv3x3_bn_relu(c) | conv1x1_bn_relu(c) | max_pool_3x3

# ENAS macro search (Pham et al., 2018): six candidates per layer.
op enas_sep_conv(c: int, k: int) = relu >> sep_conv(c, k) >> batchnorm
choice enas_macro_op(c: int) = conv_bn_relu(c, 3) | conv_bn_relu(c, 5) | enas_sep_conv(c, 3)
    | enas_sep_conv(c, 5) | max_pool_3x3 | avg_pool_3x3

# Activations of recurrent cells (ENAS RNN, NAS-Bench-NLP).
choice rnn_activation = tanh | relu | sigmoid | skip

# MobileNetV2 / ProxylessNAS: an inverted-residual block with a searched kernel and expansion.
op mb_block(c: int, stride: int = 1) = mbconv(c, expand: 3 | 6, kernel: 3 | 5 | 7, stride: stride)
choice proxyless_op(c: int, stride: int = 1) = mbconv(c, 3, 3, stride: stride)
    | mbconv(c, 3, 5, stride: stride) | mbconv(c, 3, 7, stride: stride)
    | mbconv(c, 6, 3, stride: stride) | mbconv(c, 6, 5, stride: stride)
    | mbconv(c, 6, 7, stride: stride)
