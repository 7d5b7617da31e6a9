cell merge(c: int) {
    input x0
    node a = x0 >> conv(c, 3)
    node b = x0 >> conv(2 * c, 3)
    output sum(a, b)
}

space s(c: int = 16) {
    input image(3, 32, 32)
    conv(c, 3) >> merge(c) >> global_avg_pool >> linear(10)
}
