space s(c: int = 4G) {
    input image(3, 8, 8)
    conv(c * c * c, 3) >> global_avg_pool >> linear(10)
}
