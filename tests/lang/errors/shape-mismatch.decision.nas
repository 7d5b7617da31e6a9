# A mismatch only some decision values reach: the width 32 breaks the sum.
space s(classes: int = 10) {
    input image(1, 28, 28)
    conv(16, 3) >> sum(skip, conv(16 | 32, 3)) >> global_avg_pool >> linear(classes)
}
