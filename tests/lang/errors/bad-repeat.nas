space s(n: int = -2) {
    input image(3, 8, 8)
    conv(8, 3) * n >> global_avg_pool >> linear(10)
}
