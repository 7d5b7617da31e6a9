cell c(c: int) {
    input x0
    node used = x0 >> conv(c, 3)
    node dead = x0 >> max_pool(3)
    output used
}
