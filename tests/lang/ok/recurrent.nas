# A NAS-Bench-NLP-style recurrent cell: linear maps, blends, element-wise products and sums.
import "stdlib/ops.nas"

cell rnn_cell(d: int) {
    input x, h
    node a = x >> linear(d)
    node b = h >> linear(d)
    node gate = sum(a, b) >> sigmoid
    node cand = prod(a, b) >> rnn_activation | sum(a, b) >> tanh    # the node's kind is chosen
    node out = blend(cand, h, gate)
    output out
}

space lm(vocab: int = 10000, d: int = 128) {
    input sequence(35, 1)
    embedding(vocab, d) >> rnn_cell(d) * 2 >> linear(vocab)
}
