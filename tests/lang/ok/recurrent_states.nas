# A recurrent cell with named states: an LSTM's h and c, each given its next value, its
# candidate's activation searched.

choice candidate = tanh | relu

cell lstm_cell(d: int) {
    input  x
    state  h, c
    node   i = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   f = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   g = sum(x >> linear(d), h >> linear(d)) >> candidate
    node   o = sum(x >> linear(d), h >> linear(d)) >> sigmoid
    node   c_new = sum(prod(f, c), prod(i, g))
    next   c = c_new
    next   h = prod(o, c_new >> tanh)
    output h
}

space lstm_lm(vocab: int = 100, d: int = 8) {
    input sequence(35, 1)
    embedding(vocab, d) >> lstm_cell(d) >> linear(vocab)
}
