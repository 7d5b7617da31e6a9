# Repetition: shared (default), independent copies, and chosen depths; `let` shares one
# decision between several places; value choices and ranges as arguments.
op block(c: int, k: int = 3) = conv(c, k) >> batchnorm >> relu
choice width = 16 | 32 | 64

space flexible(classes: int = 10) {
    input image(3, 32, 32)
    let k = 3 | 5 | 7
    let act = relu | gelu | swish
    conv(width, k) >> act
        >> block(32, k) * 2
        >> block(32) * (1..=3) independent
        >> max_pool(3, stride: 2)
        >> block(64, 3 | 5) * (2 | 4)
        >> sum(skip, block(64)) >> act
        >> global_avg_pool >> dropout(0.1) >> linear(classes)
}
