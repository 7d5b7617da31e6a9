# Zoph & Le (ICLR 2017), the layer-wise CNN space: every layer picks its filter count, height
# and width, and concatenates the previous layer with any subset of the earlier layers (and
# the image) as its input. 4 x 4 x 4 choices per layer.

op nas_rl_layer(count: int, height: int, width: int) = conv(count, kh: height, kw: width)
    >> batchnorm >> relu

cell nas_rl_net {
    input  x
    node   l1 = x >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l2 = concat(l1, any of [x])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l3 = concat(l2, any of [x, l1])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l4 = concat(l3, any of [x, l1, l2])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l5 = concat(l4, any of [x, l1, l2, l3])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l6 = concat(l5, any of [x, l1, l2, l3, l4])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l7 = concat(l6, any of [x, l1, l2, l3, l4, l5])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l8 = concat(l7, any of [x, l1, l2, l3, l4, l5, l6])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l9 = concat(l8, any of [x, l1, l2, l3, l4, l5, l6, l7])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l10 = concat(l9, any of [x, l1, l2, l3, l4, l5, l6, l7, l8])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l11 = concat(l10, any of [x, l1, l2, l3, l4, l5, l6, l7, l8, l9])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l12 = concat(l11, any of [x, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l13 = concat(l12, any of [x, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l14 = concat(l13, any of [x, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    node   l15 = concat(l14, any of [x, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13])
        >> nas_rl_layer(24 | 36 | 48 | 64, 1 | 3 | 5 | 7, 1 | 3 | 5 | 7)
    output l15
}

space nas_rl(classes: int = 10) {
    input image(3, 32, 32)
    nas_rl_net >> global_avg_pool >> linear(classes)
}
