# `when(k == v, a, b)`: one decision (`at`) says which node takes the cell state, as NAS-RL's
# cell inject does; the decisions in a branch exist only while it is read.

cell injected(d: int) {
    input  x
    state  h, c
    let    at = 0..=2
    let    wide = d
    node   a = sum(x >> linear(d), h >> linear(d)) >> tanh
    node   a2 = when(at == 0, (sum(a, c) | prod(a, c)) >> tanh, a)
    node   b = a2 >> linear(d) >> relu
    node   b2 = when(at != 1, b, sum(b, c) >> (tanh | sigmoid))
    node   e = sum(a2, b2) >> linear(wide)
    node   e2 = when(at == 2, prod(e, c), e)
    node   f = when(wide == 16, e2 >> tanh, e2)  # a constant condition decides once
    next   c = a | b | e
    next   h = f
    output f
}

space injected_lm(vocab: int = 100, d: int = 16) {
    input sequence(8, 1)
    embedding(vocab, d) >> injected(d) >> linear(vocab)
}
