# A NAS-Bench-NLP-style recurrent cell (Klyuchnikov et al., 2020): nodes over the input x and
# up to 3 hidden states (h1, h2, h3). Every node chooses its kind, and its inputs among the
# earlier vertices: a linear map of two inputs (`linear`), a blend `z·a + (1 − z)·b`
# (`blend`), an element-wise product (`prod`) or sum (`sum`) of two inputs, or an activation
# of one input (`activation`). The last node is the new hidden state.

choice activation = tanh | sigmoid | relu

cell nb_nlp_cell(d: int) {
    input  x, h1, h2, h3
    node   n1 = sum(2 of [x, h1, h2, h3] >> linear(d))
        | blend(1 of [x, h1, h2, h3], 1 of [x, h1, h2, h3], 1 of [x, h1, h2, h3])
        | prod(2 of [x, h1, h2, h3]) | sum(2 of [x, h1, h2, h3])
        | sum(1 of [x, h1, h2, h3] >> activation)
    node   n2 = sum(2 of [x, h1, h2, h3, n1] >> linear(d))
        | blend(1 of [x, h1, h2, h3, n1], 1 of [x, h1, h2, h3, n1], 1 of [x, h1, h2, h3, n1])
        | prod(2 of [x, h1, h2, h3, n1]) | sum(2 of [x, h1, h2, h3, n1])
        | sum(1 of [x, h1, h2, h3, n1] >> activation)
    node   n3 = sum(2 of [x, h1, h2, h3, n1, n2] >> linear(d))
        | blend(1 of [x, h1, h2, h3, n1, n2], 1 of [x, h1, h2, h3, n1, n2], 1 of [x, h1, h2, h3, n1, n2])
        | prod(2 of [x, h1, h2, h3, n1, n2]) | sum(2 of [x, h1, h2, h3, n1, n2])
        | sum(1 of [x, h1, h2, h3, n1, n2] >> activation)
    node   n4 = sum(2 of [x, h1, h2, h3, n1, n2, n3] >> linear(d))
        | blend(1 of [x, h1, h2, h3, n1, n2, n3], 1 of [x, h1, h2, h3, n1, n2, n3], 1 of [x, h1, h2, h3, n1, n2, n3])
        | prod(2 of [x, h1, h2, h3, n1, n2, n3]) | sum(2 of [x, h1, h2, h3, n1, n2, n3])
        | sum(1 of [x, h1, h2, h3, n1, n2, n3] >> activation)
    node   n5 = sum(2 of [x, h1, h2, h3, n1, n2, n3, n4] >> linear(d))
        | blend(1 of [x, h1, h2, h3, n1, n2, n3, n4], 1 of [x, h1, h2, h3, n1, n2, n3, n4], 1 of [x, h1, h2, h3, n1, n2, n3, n4])
        | prod(2 of [x, h1, h2, h3, n1, n2, n3, n4]) | sum(2 of [x, h1, h2, h3, n1, n2, n3, n4])
        | sum(1 of [x, h1, h2, h3, n1, n2, n3, n4] >> activation)
    node   n6 = sum(2 of [x, h1, h2, h3, n1, n2, n3, n4, n5] >> linear(d))
        | blend(1 of [x, h1, h2, h3, n1, n2, n3, n4, n5], 1 of [x, h1, h2, h3, n1, n2, n3, n4, n5], 1 of [x, h1, h2, h3, n1, n2, n3, n4, n5])
        | prod(2 of [x, h1, h2, h3, n1, n2, n3, n4, n5])
        | sum(2 of [x, h1, h2, h3, n1, n2, n3, n4, n5])
        | sum(1 of [x, h1, h2, h3, n1, n2, n3, n4, n5] >> activation)
    output n6
}

space nb_nlp(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> linear(d) >> linear(d) >> linear(d) >> nb_nlp_cell(d) >> linear(vocab)
}
