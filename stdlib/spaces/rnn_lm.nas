# A language model over the stdlib's `rnn` cell (stdlib/ops.nas), as PyTorch's
# `nn.Embedding(vocab, d)`, one-layer `nn.RNN(d, d)` and `nn.Linear(d, vocab)` build it: one
# architecture, the baseline that searched recurrent cells are compared with.

import "stdlib/ops.nas"

space rnn_lm(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> rnn(d) >> linear(vocab)
}
