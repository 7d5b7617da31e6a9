# MobileNetV2 / ProxylessNAS blocks (Cai et al., ICLR 2019): every block is an inverted
# residual with expansion 3 or 6 and kernel 3, 5 or 7; every block after a stage's first may
# be skipped. `mobilenet_v2_depth` instead chooses each stage's depth (2 to 4 blocks), as in
# Once-for-All.

op mb(c: int, stride: int = 1) = mbconv(c, expand: 3 | 6, kernel: 3 | 5 | 7, stride: stride)

choice mb_or_skip(c: int) = mb(c) | skip

space mobilenet_v2(classes: int = 1000) {
    input image(3, 224, 224)
    conv(32, 3, stride: 2) >> batchnorm >> relu >> mbconv(16, expand: 1, kernel: 3)
        >> mb(24, stride: 2) >> mb_or_skip(24) * 3 independent >> mb(40, stride: 2)
        >> mb_or_skip(40) * 3 independent >> mb(80, stride: 2) >> mb_or_skip(80) * 3 independent
        >> mb(96) >> mb_or_skip(96) * 3 independent >> mb(192, stride: 2)
        >> mb_or_skip(192) * 3 independent >> mb(320) >> conv(1280, 1) >> batchnorm >> relu
        >> global_avg_pool >> linear(classes)
}

space mobilenet_v2_depth(classes: int = 1000) {
    input image(3, 224, 224)
    conv(32, 3, stride: 2) >> batchnorm >> relu >> mbconv(16, expand: 1, kernel: 3)
        >> mb(24, stride: 2) >> mb(24) * (1..=3) independent >> mb(40, stride: 2)
        >> mb(40) * (1..=3) independent >> mb(80, stride: 2) >> mb(80) * (1..=3) independent
        >> mb(96) >> mb(96) * (1..=3) independent >> mb(192, stride: 2)
        >> mb(192) * (1..=3) independent >> mb(320) >> conv(1280, 1) >> batchnorm >> relu
        >> global_avg_pool >> linear(classes)
}
