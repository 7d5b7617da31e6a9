# NAS-Bench-NLP's Table 3 baselines (Klyuchnikov et al., 2020) at a scale the CPU affords:
# the LSTM, the GRU and the vanilla RNN as AWD-LSTM language models (the stdlib spaces
# awd_lstm, awd_gru, awd_rnn: three stacked cells, variational dropout 0.4/0.25/0.4, the
# decoder tied to the embedding) trained under one setting, the benchmark's: Adam at 1e-3 with
# weight decay 1.2e-6 (an L2 penalty), batch 20, the gradient norm clipped to 0.25, embedding
# dropout 0.1, weight drop 0.5, AR 2 and TAR 1.
# Penn Treebank (data/ptb): the first 200,000 training tokens (of 929,589; 143 steps an epoch),
# the whole validation and test splits. Scaled down: embeddings and cells 128 wide (the
# benchmark's 400 and 600: equal here because nb_nlp_cell's element-wise nodes may read the
# step's input, which NAS-Bench-NLP's may not) and 3 epochs (its 50); windows of 70 tokens, as
# the benchmark's, but all of that length (its lengths are drawn around 70; `variable_bptt:
# true` draws them so). An LSTM run takes about 6.5 minutes on one CPU thread. Seeds are
# separate runs of the same experiment, each training with its own seed:
#
#   nas run scripts/nb_nlp_baselines.nas --experiment awd_lstm_ptb --seeds 3
#   nas report runs/awd_lstm_ptb-random.jsonl --summary
#
# The test perplexity of each seed's one trial is the score; the README reports mean ± std.

import "stdlib/spaces/awd_lstm.nas"
import "stdlib/spaces/awd_gru.nas"
import "stdlib/spaces/awd_rnn.nas"

experiment awd_lstm_ptb {
    space     awd_lstm(emb: 128, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_gru_ptb {
    space     awd_gru(emb: 128, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_rnn_ptb {
    space     awd_rnn(emb: 128, d: 128)
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

# The same three on the whole Penn Treebank training split (929,589 tokens, 664 steps an
# epoch) for 2 epochs, the rest as above: about 20 minutes an LSTM run on one CPU thread.
#
#   nas run scripts/nb_nlp_baselines.nas --experiment awd_lstm_ptb_full --seed K --seeds 1

experiment awd_lstm_ptb_full {
    space     awd_lstm(emb: 128, d: 128)
    data      ptb
    evaluate  train(epochs: 2, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_gru_ptb_full {
    space     awd_gru(emb: 128, d: 128)
    data      ptb
    evaluate  train(epochs: 2, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

experiment awd_rnn_ptb_full {
    space     awd_rnn(emb: 128, d: 128)
    data      ptb
    evaluate  train(epochs: 2, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 1
    objective minimize valid_ppl
}

# A small random search over NAS-Bench-NLP-style cells (stdlib/spaces/nb_nlp.nas's
# `nb_nlp_cell`, one genotype for the three stacked cells) in the same model and setting.
#
#   nas run scripts/nb_nlp_baselines.nas --experiment nb_nlp_awd_random

import "stdlib/spaces/nb_nlp.nas"

space nb_nlp_awd(vocab: int = 10000, d: int = 128) {
    input sequence(70, 1)
    embedding(vocab, d) >> locked_dropout(0.4) >> nb_nlp_cell(d) >> locked_dropout(0.25)
        >> nb_nlp_cell(d) >> locked_dropout(0.25) >> nb_nlp_cell(d) >> locked_dropout(0.4)
        >> tied_linear(vocab)
}

experiment nb_nlp_awd_random {
    space     nb_nlp_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 4
    objective minimize valid_ppl
}

# ENAS' search (Pham et al., 2018; stdlib/strategies/enas.rhai) beside the baselines: its
# recurrent cell (stdlib/spaces/enas_rnn.nas, one genotype for three stacked cells) in the
# same AWD-LSTM model, the shared weights of every cell's candidate ops trained on the
# controller's samples over half of the first 200,000 training tokens (the other half scores
# the paths: 80 / perplexity), ENAS' LSTM controller; the derived cell is then trained as the
# baselines are (3 epochs, the same setting) and scored on the whole validation and test
# splits. The shared weights train by plain SGD clipped to 0.25 as in ENAS, but at rate 1, not
# ENAS' 20: this cell sums its twelve nodes, where ENAS averages the loose ends and adds
# highway connections, and its sums overflow at 20. A random search over the same space,
# trained the same way, is the baseline the search must beat.
#
#   nas run scripts/nb_nlp_baselines.nas --experiment enas_awd_enas --seed K --seeds 1
#   nas run scripts/nb_nlp_baselines.nas --experiment enas_awd_random

import "stdlib/spaces/enas_rnn.nas"

space enas_awd(vocab: int = 10000, d: int = 128) {
    input sequence(70, 1)
    embedding(vocab, d) >> locked_dropout(0.4) >> enas_rnn_cell(d) >> locked_dropout(0.25)
        >> enas_rnn_cell(d) >> locked_dropout(0.25) >> enas_rnn_cell(d) >> locked_dropout(0.4)
        >> tied_linear(vocab)
}

experiment enas_awd_enas {
    space     enas_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  enas(controller: "lstm", epochs: 3, controller_steps: 30, candidates: 10, batches: 4, channels: 128, limit: 200000, batch: 20, lr: 1.0, lr_min: 1.0, momentum: 0.0, clip: 0.25)
    budget    trials: 1
    objective minimize valid_ppl
}

experiment enas_awd_random {
    space     enas_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 3
    objective minimize valid_ppl
}

# NAS-RL's recurrent cells (Zoph & Le, 2017; stdlib/spaces/nas_rl_rnn.nas, one genotype for
# three stacked cells) in the same model and setting: `nascell_awd` trains the cell their
# search found (TensorFlow's NASCell, tests/reference/nascell.arch) beside the baselines,
# `nas_rl_awd_reinforce` searches the space with NAS-RL's own method (REINFORCE with its
# autoregressive LSTM controller, stdlib/strategies/reinforce.rhai) and
# `nas_rl_awd_random` is the random search it must beat. Each trial trains one cell
# for 3 epochs as the baselines are trained; the paper trained its children for 35 epochs on
# the whole corpus, 800 at a time.
#
#   nas run scripts/nb_nlp_baselines.nas --experiment nascell_awd --seed K --seeds 1
#   nas run scripts/nb_nlp_baselines.nas --experiment nas_rl_awd_reinforce

import "stdlib/spaces/nas_rl_rnn.nas"

space nas_rl_awd(vocab: int = 10000, d: int = 128) {
    input sequence(70, 1)
    embedding(vocab, d) >> locked_dropout(0.4) >> nas_rl_rnn_cell(d) >> locked_dropout(0.25)
        >> nas_rl_rnn_cell(d) >> locked_dropout(0.25) >> nas_rl_rnn_cell(d) >> locked_dropout(0.4)
        >> tied_linear(vocab)
}

experiment nascell_awd {
    space     nas_rl_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  fixed(arch: "nas_rl_rnn_cell.inject=8 nas_rl_rnn_cell.t8.then=sum nas_rl_rnn_cell.t8.then.op=tanh nas_rl_rnn_cell.p0=sum nas_rl_rnn_cell.a0.op=sigmoid nas_rl_rnn_cell.p1=sum nas_rl_rnn_cell.a1.op=relu nas_rl_rnn_cell.p2=sum nas_rl_rnn_cell.a2.op=sigmoid nas_rl_rnn_cell.p3=prod nas_rl_rnn_cell.a3.op=relu nas_rl_rnn_cell.p4=sum nas_rl_rnn_cell.a4.op=tanh nas_rl_rnn_cell.p5=sum nas_rl_rnn_cell.a5.op=sigmoid nas_rl_rnn_cell.p6=sum nas_rl_rnn_cell.a6.op=tanh nas_rl_rnn_cell.p7=sum nas_rl_rnn_cell.a7.op=sigmoid nas_rl_rnn_cell.p8=prod nas_rl_rnn_cell.a8.op=tanh nas_rl_rnn_cell.p9=sum nas_rl_rnn_cell.a9.op=tanh nas_rl_rnn_cell.p10=prod nas_rl_rnn_cell.a10.op=tanh nas_rl_rnn_cell.p11=sum nas_rl_rnn_cell.a11.op=sigmoid nas_rl_rnn_cell.p12=prod nas_rl_rnn_cell.a12.op=skip nas_rl_rnn_cell.p13=sum nas_rl_rnn_cell.a13.op=tanh nas_rl_rnn_cell.p14=prod nas_rl_rnn_cell.a14.op=tanh nas_rl_rnn_cell.next_c=p12")
    budget    trials: 1
    objective minimize valid_ppl
}

experiment nas_rl_awd_reinforce {
    space     nas_rl_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  reinforce(controller: "lstm")
    budget    trials: 8
    objective minimize valid_ppl
}

experiment nas_rl_awd_random {
    space     nas_rl_awd
    data      ptb(limit: 200000)
    evaluate  train(epochs: 3, batch: 20, optimizer: adam(lr: 0.001, weight_decay: 1.2e-6), schedule: constant, clip: 0.25, embedding_dropout: 0.1, weight_drop: 0.5, ar: 2, tar: 1, threads: 1)
    strategy  random
    budget    trials: 8
    objective minimize valid_ppl
}
