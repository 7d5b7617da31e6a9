# The standard library of composite ops, written in the .nas language itself.
# Use it with `import "stdlib/ops.nas"`. Built-in ops (conv, sep_conv, dil_conv, pools,
# batchnorm, activations, skip, none, factorized_reduce, resblock, mbconv, linear, ...) are
# described in grammar/README.md. The ops of each benchmark below build exactly what the
# stdlib space of that benchmark builds (tests/lang_grammar.rs checks it).

# Building blocks.
op relu_conv_bn(c: int, k: int, stride: int = 1) = relu >> conv(c, k, stride: stride) >> batchnorm
op conv_bn_relu(c: int, k: int, stride: int = 1) = conv(c, k, stride: stride) >> batchnorm >> relu
op residual(body: op) = sum(skip, body)

# DARTS (Liu et al., 2019), as stdlib/spaces/darts.nas builds them: the built-in `sep_conv` is
# already DARTS' separable conv (ReLU, depthwise, pointwise, batch norm, applied twice) and
# `dil_conv` its dilated one (dilation 2).
op sep_conv_3x3(c: int, stride: int = 1) = sep_conv(c, 3, stride: stride)
op sep_conv_5x5(c: int, stride: int = 1) = sep_conv(c, 5, stride: stride)
op sep_conv_7x7(c: int, stride: int = 1) = sep_conv(c, 7, stride: stride)
op dil_conv_3x3(c: int, stride: int = 1) = dil_conv(c, 3, stride: stride)
op dil_conv_5x5(c: int, stride: int = 1) = dil_conv(c, 5, stride: stride)
op max_pool_3x3(stride: int = 1) = max_pool(3, stride: stride)
op avg_pool_3x3(stride: int = 1) = avg_pool(3, stride: stride)
op skip_connect = skip

# The seven DARTS candidates of the darts space (DARTS' eighth, `none`, is not a choice of the
# space: the supernet mixes it on every candidate edge and drops it when deriving), and the same
# on an edge leaving a reduction cell's input (stride 2; the skip is a factorized reduce).
choice darts_op(c: int) = sep_conv_3x3(c) | sep_conv_5x5(c) | dil_conv_3x3(c) | dil_conv_5x5(c)
    | max_pool_3x3 | avg_pool_3x3 | skip_connect
choice darts_reduce_op(c: int) = sep_conv_3x3(c, 2) | sep_conv_5x5(c, 2) | dil_conv_3x3(c, 2)
    | dil_conv_5x5(c, 2) | max_pool_3x3(2) | avg_pool_3x3(2) | factorized_reduce(c)

# NAS-Bench-201 (Dong & Yang, 2020): five candidates per edge, as stdlib/spaces/nb201.nas.
op nor_conv_1x1(c: int) = relu >> conv(c, 1) >> batchnorm
op nor_conv_3x3(c: int) = relu >> conv(c, 3) >> batchnorm
choice nb201_op(c: int) = none | skip_connect | nor_conv_1x1(c) | nor_conv_3x3(c) | avg_pool_3x3

# NAS-Bench-101 (Ying et al., 2019): three candidates per vertex, as stdlib/spaces/nb101.nas.
op conv3x3_bn_relu(c: int) = conv_bn_relu(c, 3)
op conv1x1_bn_relu(c: int) = conv_bn_relu(c, 1)
op maxpool3x3 = max_pool(3)
choice nb101_op(c: int) = conv3x3_bn_relu(c) | conv1x1_bn_relu(c) | maxpool3x3

# ENAS macro search (Pham et al., 2018): six candidates per layer, the bodies of
# stdlib/spaces/enas_macro.nas (whose `conv_3x3` and `sep_conv_3x3` are `enas_conv(c, 3)` and
# `enas_sep_conv(c, 3)` here, since DARTS' ops above own those names).
op enas_conv(c: int, k: int) = relu >> conv(c, k) >> batchnorm
op enas_sep_conv(c: int, k: int) = relu >> sep_conv(c, k) >> batchnorm
choice enas_macro_op(c: int) = enas_conv(c, 3) | enas_conv(c, 5) | enas_sep_conv(c, 3)
    | enas_sep_conv(c, 5) | max_pool_3x3 | avg_pool_3x3

# Activations of recurrent cells (ENAS RNN, NAS-Bench-NLP).
choice rnn_activation = tanh | relu | sigmoid | skip

# MobileNetV2 / ProxylessNAS: an inverted-residual block with a searched kernel and expansion.
op mb_block(c: int, stride: int = 1) = mbconv(c, expand: 3 | 6, kernel: 3 | 5 | 7, stride: stride)
choice proxyless_op(c: int, stride: int = 1) = mbconv(c, 3, 3, stride: stride)
    | mbconv(c, 3, 5, stride: stride) | mbconv(c, 3, 7, stride: stride)
    | mbconv(c, 6, 3, stride: stride) | mbconv(c, 6, 5, stride: stride)
    | mbconv(c, 6, 7, stride: stride)

# Recurrent cells with named states, computing what PyTorch's one-layer `nn.RNN` (tanh),
# `nn.LSTM` and `nn.GRU` compute: every gate reads `x` and `h` through a linear map of its own,
# each with its bias (PyTorch's `b_ih` and `b_hh`), so their parameter counts are PyTorch's.
# Language models over them: stdlib/spaces/rnn_lm.nas, lstm_lm.nas, gru_lm.nas.
cell rnn(d: int) {
    input  x
    state  h
    node   h_new = sum(x >> linear(d), h >> linear(d)) >> tanh
    next   h = h_new
    output h_new
}

cell lstm(d: int) {
    input  x
    state  h, c
    node   i = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   f = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   g = sum(x >> linear(d), h >> linear(d)) >> tanh
    node   o = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   c_new = sum(prod(f, c), prod(i, g))
    node   h_new = prod(o, c_new >> tanh)
    next   c = c_new
    next   h = h_new
    output h_new
}

# The candidate is tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)); `blend(a, b, z)` is z·a + (1 − z)·b.
cell gru(d: int) {
    input  x
    state  h
    node   r = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   z = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   n = sum(x >> linear(d), prod(r, h >> linear(d))) >> tanh
    node   h_new = blend(h, n, z)
    next   h = h_new
    output h_new
}
