cell injected(d: int) {
    input  x
    state  h, c
    node   a = sum(x >> linear(d), h >> linear(d)) >> tanh
    node   b = when(a == 1, sum(a, c) >> tanh, a)
    next   c = a
    next   h = b
    output b
}

space injected_lm(vocab: int = 100, d: int = 16) {
    input sequence(8, 1)
    embedding(vocab, d) >> injected(d) >> linear(vocab)
}
