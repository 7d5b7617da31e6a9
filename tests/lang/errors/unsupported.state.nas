cell rnn_cell(c: int) {
    input  x
    state  h
    node   n = sum(x >> conv(c, 3), h >> conv(c, 3)) >> relu
    next   h = n
    output n
}

space images {
    input image(3, 8, 8)
    conv(4, 3) >> rnn_cell(4) >> global_avg_pool >> linear(10)
}
