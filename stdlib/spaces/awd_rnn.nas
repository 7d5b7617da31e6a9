# The AWD-LSTM language model (Merity, Keskar & Socher, ICLR 2018) as NAS-Bench-NLP
# (Klyuchnikov et al., 2020) trains every cell of its space, here over the stdlib's `rnn`
# cell (stdlib/ops.nas): one of the baselines of NAS-Bench-NLP's Table 3 (awd_lstm, awd_gru,
# awd_rnn). Three stacked cells, `d` wide, the last one `emb` wide so that the decoder can
# share the embedding's table (`tied_linear`); variational dropout (`locked_dropout`) on the
# embedding's output (AWD-LSTM's `dropouti` 0.4), between the cells (`dropouth` 0.25) and
# before the decoder (`dropout` 0.4). The regularisers of training go to the evaluator:
# `train(embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, ...)` (see the README).
# NAS-Bench-NLP's sizes: emb 400, d 600, windows of 70 tokens.

import "stdlib/ops.nas"

space awd_rnn(vocab: int = 10000, emb: int = 400, d: int = 600) {
    input sequence(70, 1)
    embedding(vocab, emb) >> locked_dropout(0.4) >> rnn(d) >> locked_dropout(0.25) >> rnn(d)
        >> locked_dropout(0.25) >> rnn(emb) >> locked_dropout(0.4) >> tied_linear(vocab)
}
