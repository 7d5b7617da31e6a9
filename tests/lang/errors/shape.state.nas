cell rnn_cell(d: int) {
    input  x
    state  h
    node   n = sum(x >> linear(d), h >> linear(d)) >> tanh
    next   h = n >> linear(2 * d)
    output n
}

space rnn_lm(vocab: int = 100, d: int = 8) {
    input sequence(35, 1)
    embedding(vocab, d) >> rnn_cell(d) >> linear(vocab)
}
