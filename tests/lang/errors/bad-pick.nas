cell c(c: int) {
    input x0, x1
    node y = sum(3 of [x0, x1] >> conv(c, 3))
    output y
}

space s {
    input image(3, 8, 8)
    conv(8, 3) >> c(8) >> global_avg_pool >> linear(10)
}
