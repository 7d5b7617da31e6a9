cell block(c: int) {
    input x
    node y = sum(x >> conv(c, 3 | 5), x)
    output y
}

space s {
    input image(1, 28, 28)
    let stage = block(8) * (1..=2) independent
    conv(8, 3) >> stage >> stage >> global_avg_pool >> linear(10)
}
