# FBNet (Wu et al., CVPR 2019): a layer-wise space of 22 searched layers in 7 stages, each
# layer one of the paper's 9 blocks: an inverted residual (MobileNetV2's MBConv) with kernel
# 3 or 5 and expansion 1, 3 or 6 (k3_e1 … k5_e6), the same with expansion 1 and its two 1×1
# convs grouped in 2 groups with a channel shuffle (k3_e1_g2, k5_e1_g2), or skip. The paper's
# macro-architecture (Table 1): a 3×3 stride-2 stem of 16 channels, stages of 16, 24, 32, 64,
# 112, 184 and 352 channels with 1, 4, 4, 4, 4, 4 and 1 layers and strides 1, 2, 2, 2, 1, 2
# and 1, a 1×1 conv to 1984 channels, global pooling and the classifier. `c` scales every
# width (the paper's c = 16: c, 3c/2, 2c, 4c, 7c, 23c/2, 22c and 124c; keep it even, for the
# grouped blocks), `n` sets the layers of the five middle stages (the paper's 4; at least 2).
# Where a layer changes the width or the resolution (a stage's first layer), its skip is, as
# in FBNet's code, a 1×1 conv with that stride followed by batch norm and ReLU (`skip_conv`).
# ProxylessNAS' own layer-wise space (Cai et al., 2019: kernel 3, 5 or 7 and expansion 3 or 6
# per layer, with skip) is `mobilenet_v2`; the supernet mixes each layer's blocks in both.

op mb(c: int, stride: int = 1) = mbconv(c, expand: 1 | 3 | 6, kernel: 3 | 5, stride: stride)
op mb_g2(c: int, stride: int = 1) = mbconv(c, expand: 1, kernel: 3 | 5, stride: stride, groups: 2)
op skip_conv(c: int, stride: int = 1) = conv(c, 1, stride: stride) >> batchnorm >> relu

# A layer that keeps its input's shape, and a stage's first layer.
choice fb_layer(c: int) = mb(c) | mb_g2(c) | skip
choice fb_first(c: int, stride: int) = mb(c, stride: stride) | mb_g2(c, stride: stride)
    | skip_conv(c, stride: stride)

space fbnet(c: int = 16, n: int = 4, classes: int = 1000) {
    input image(3, 224, 224)
    conv(c, 3, stride: 2) >> batchnorm >> relu >> fb_layer(c) >> fb_first(c * 3 / 2, 2)
        >> fb_layer(c * 3 / 2) * (n - 1) independent >> fb_first(2 * c, 2)
        >> fb_layer(2 * c) * (n - 1) independent >> fb_first(4 * c, 2)
        >> fb_layer(4 * c) * (n - 1) independent >> fb_first(7 * c, 1)
        >> fb_layer(7 * c) * (n - 1) independent >> fb_first(c * 23 / 2, 2)
        >> fb_layer(c * 23 / 2) * (n - 1) independent >> fb_first(22 * c, 1) >> conv(124 * c, 1)
        >> batchnorm >> relu >> global_avg_pool >> linear(classes)
}
