# ENAS recurrent cell (Pham et al., ICML 2018): node 1 mixes the input and the previous
# hidden state; every later node reads one earlier node through a linear map and one of 4
# activations: 4^12 x 11! architectures. ENAS averages the loose ends; the language has no
# loose-ends construct, so this cell sums all nodes (see the space IR report).

op rnn_tanh(d: int) = linear(d) >> tanh
op rnn_relu(d: int) = linear(d) >> relu
op rnn_sigmoid(d: int) = linear(d) >> sigmoid
op rnn_identity(d: int) = linear(d)

choice enas_rnn_op(d: int) = rnn_tanh(d) | rnn_relu(d) | rnn_identity(d) | rnn_sigmoid(d)
choice enas_rnn_act = tanh | relu | skip | sigmoid

cell enas_rnn_cell(d: int) {
    input  x, h
    node   n1 = sum(x >> linear(d), h >> linear(d)) >> enas_rnn_act
    node   n2 = sum(1 of [n1] >> enas_rnn_op(d))
    node   n3 = sum(1 of [n1, n2] >> enas_rnn_op(d))
    node   n4 = sum(1 of [n1, n2, n3] >> enas_rnn_op(d))
    node   n5 = sum(1 of [n1, n2, n3, n4] >> enas_rnn_op(d))
    node   n6 = sum(1 of [n1, n2, n3, n4, n5] >> enas_rnn_op(d))
    node   n7 = sum(1 of [n1, n2, n3, n4, n5, n6] >> enas_rnn_op(d))
    node   n8 = sum(1 of [n1, n2, n3, n4, n5, n6, n7] >> enas_rnn_op(d))
    node   n9 = sum(1 of [n1, n2, n3, n4, n5, n6, n7, n8] >> enas_rnn_op(d))
    node   n10 = sum(1 of [n1, n2, n3, n4, n5, n6, n7, n8, n9] >> enas_rnn_op(d))
    node   n11 = sum(1 of [n1, n2, n3, n4, n5, n6, n7, n8, n9, n10] >> enas_rnn_op(d))
    node   n12 = sum(1 of [n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11] >> enas_rnn_op(d))
    output sum(n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12)
}

space enas_rnn(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> linear(d) >> enas_rnn_cell(d) >> linear(vocab)
}
