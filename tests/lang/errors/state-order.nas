cell rnn_cell(d: int) {
    input  x
    node   n = sum(x >> linear(d), h >> linear(d)) >> tanh
    state  h
    next   h = n
    output n
}
