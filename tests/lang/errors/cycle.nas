cell loop(c: int) {
    input x0
    node a = sum(x0, c2 >> relu)
    node b = a >> conv(c, 3)
    node c2 = b >> batchnorm
    output c2
}
