cell rnn_cell(d: int) {
    input  x
    state  hidden
    node   n = sum(x >> linear(d), hidden >> linear(d)) >> tanh
    next   hiden = n
    output n
}
