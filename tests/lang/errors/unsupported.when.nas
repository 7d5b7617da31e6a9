space stacked(vocab: int = 100, d: int = 16) {
    input sequence(8, 1)
    let deep = false | true
    embedding(vocab, d) >> when(deep == true, linear(d) >> tanh, tanh) >> linear(vocab)
}
