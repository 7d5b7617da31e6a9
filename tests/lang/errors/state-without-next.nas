cell lstm_cell(d: int) {
    input  x
    state  h, c
    node   n = sum(x >> linear(d), h >> linear(d), c >> linear(d)) >> tanh
    next   h = n
    output n
}
