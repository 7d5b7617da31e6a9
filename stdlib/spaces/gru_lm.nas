# A language model over the stdlib's `gru` cell (stdlib/ops.nas), as PyTorch's
# `nn.Embedding(vocab, d)`, one-layer `nn.GRU(d, d)` and `nn.Linear(d, vocab)` build it: one
# architecture, the baseline that searched recurrent cells are compared with.

import "stdlib/ops.nas"

space gru_lm(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> gru(d) >> linear(vocab)
}
