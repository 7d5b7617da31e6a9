cell injected(d: int) {
    input  x
    state  h
    let    at = 0..=3
    node   a = sum(x >> linear(d), h >> linear(d)) >> tanh
    next   h = a
    output a
}

space injected_lm(vocab: int = 100, d: int = 16) {
    input sequence(8, 1)
    embedding(vocab, d) >> injected(d) >> linear(vocab)
}
