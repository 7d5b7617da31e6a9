# MobileNetV2 / ProxylessNAS: per-layer kernel and expansion choices.
import "stdlib/ops.nas"

space proxyless(c: int = 16) {
    input image(3, 32, 32)
    conv_bn_relu(c, 3, stride: 2)
        >> proxyless_op(24, 2) >> proxyless_op(24) * (1..=3) independent
        >> mb_block(40, stride: 2) >> mb_block(40) * 2 independent
        >> conv_bn_relu(320, 1) >> global_avg_pool >> linear(10)
}
