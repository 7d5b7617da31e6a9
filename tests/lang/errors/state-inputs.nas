cell rnn_cell(d: int) {
    input  x, y
    state  h
    node   n = sum(x >> linear(d), y >> linear(d), h >> linear(d)) >> tanh
    next   h = n
    output n
}
