cell rnn_cell(d: int) {
    input  x
    state  h
    node   n = sum(x >> linear(d), h >> linear(d)) >> tanh
    next   h = n
    next   x = n
    output n
}
