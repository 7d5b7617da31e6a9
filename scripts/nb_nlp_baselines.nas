# NAS-Bench-NLP's Table 3 baselines (Klyuchnikov et al., 2020) at a scale the CPU affords:
# the LSTM, the GRU and the vanilla RNN as AWD-LSTM language models (the stdlib spaces
# awd_lstm, awd_gru, awd_rnn: three stacked cells, variational dropout 0.4/0.25/0.4, the
# decoder tied to the embedding) trained under one setting, the benchmark's: Adam at 1e-3 with
# weight decay 1.2e-6 (an L2 penalty), batch 20, the gradient norm clipped to 0.25, embedding
# dropout 0.1, weight drop 0.5, AR 2 and TAR 1.
# Penn Treebank (data/ptb): the first 200,000 training tokens (of 929,589; 143 steps an epoch),
# the whole validation and test splits. Scaled down: embeddings 64 wide and cells 128 (the
# benchmark's 400 and 600) and 3 epochs (its 50); windows of 70 tokens, as the benchmark's, but
# all of that length (its lengths are drawn around 70). On one CPU core an LSTM epoch takes
# about 3 minutes. Seeds are separate runs of the same experiment:
#
#   nas run scripts/nb_nlp_baselines.nas --experiment awd_lstm_ptb --seeds 3
#   nas report runs/awd_lstm_ptb-random.jsonl --summary
#
# The test perplexity of each seed's one trial is the score; the README reports mean ± std.

import "stdlib/spaces/awd_lstm.nas"
import "stdlib/spaces/awd_gru.nas"
import "stdlib/spaces/awd_rnn.nas"

experiment awd_lstm_ptb {
    space     awd_lstm(emb: 64, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 1e-3, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_gru_ptb {
    space     awd_gru(emb: 64, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 1e-3, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_rnn_ptb {
    space     awd_rnn(emb: 64, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 1e-3, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}
