# Recurrent cells as language models on Penn Treebank (data/ptb, or NAS_DATA), on the
# CPU: each sampled cell of the ENAS recurrent space is compiled into a language model
# (embedding, linear, the cell unrolled over 35 steps, decoder to the 10,000 words), trained
# for 2 epochs on the first 40,000 training tokens with truncated back-propagation through
# time, and scored by its validation perplexity; the test perplexity of the best is reported.
# A cell whose state explodes (a NaN loss) is a failed trial with its reason. The optimisers
# differ by space: ENAS cells diverge under NAS-Bench-NLP's plain SGD at rate 20, and
# NAS-Bench-NLP cells barely move under AdamW at 3e-3 (valid perplexity 6,965 vs 847 for one
# cell).
#
#   nas run scripts/ptb_rnn.nas                               # ENAS's recurrent space
#   nas run scripts/ptb_rnn.nas --experiment nb_nlp_random  # NAS-Bench-NLP's space

import "stdlib/spaces/enas_rnn.nas"
import "stdlib/spaces/nb_nlp.nas"

experiment enas_rnn_random {
    space     enas_rnn
    data      ptb(limit: 40000, test_limit: 10000)
    evaluate  train(epochs: 2, batch: 20, optimizer: sgd(lr: 20, momentum: 0, nesterov: false, weight_decay: 0), channels: 64, threads: 1)
    strategy  random
    budget    trials: 8
    objective minimize valid_ppl
}

experiment nb_nlp_random {
    space     nb_nlp
    data      ptb(limit: 40000, test_limit: 10000)
    evaluate  train(epochs: 2, batch: 20, optimizer: sgd(lr: 20, momentum: 0, nesterov: false, weight_decay: 0), channels: 64, threads: 1)
    strategy  random
    budget    trials: 8
    objective minimize valid_ppl
}
