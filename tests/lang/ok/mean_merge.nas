# `mean` merges a cell's nodes (ENAS averages its recurrent cell's nodes) and parallel ops.

cell averaged(d: int) {
    input  x, h
    node   a = sum(x >> linear(d), h >> linear(d)) >> tanh
    node   b = a >> linear(d) >> relu
    node   c = mean(a, b) | sum(a, b)  # the node's kind is chosen
    output mean(a, b, c)
}

space averaged_lm(vocab: int = 100, d: int = 16) {
    input sequence(8, 1)
    embedding(vocab, d) >> mean(linear(d), linear(d) >> tanh) >> averaged(d) >> linear(vocab)
}
