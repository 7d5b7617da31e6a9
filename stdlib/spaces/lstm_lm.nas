# A language model over the stdlib's `lstm` cell (stdlib/ops.nas), as PyTorch's
# `nn.Embedding(vocab, d)`, one-layer `nn.LSTM(d, d)` and `nn.Linear(d, vocab)` build it: one
# architecture, the baseline that searched recurrent cells are compared with.

import "stdlib/ops.nas"

space lstm_lm(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> lstm(d) >> linear(vocab)
}
