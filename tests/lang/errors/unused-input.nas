cell c(c: int) {
    input x0, x1
    node y = x0 >> conv(c, 3)
    output y
}
