# A NAS-Bench-NLP-style recurrent cell (Klyuchnikov et al., 2020): linear maps, blends,
# element-wise products and sums, and activations over the input x and up to 3 hidden states
# (h1, h2, h3). Every node picks its inputs among the earlier ones and its activations.
# NAS-Bench-NLP lets each node also choose its kind (linear, blend, product, sum, activation);
# the language has no choice between merges, so here the node kinds are fixed per position.

op nlp_linear(d: int) = linear(d)
choice nlp_act = tanh | sigmoid | relu | skip

cell nb_nlp_cell(d: int) {
    input  x, h1, h2, h3
    node   a = sum(2 of [x, h1, h2, h3] >> nlp_linear(d)) >> nlp_act
    node   b = sum(2 of [x, h1, h2, h3, a] >> nlp_linear(d)) >> nlp_act
    node   g = sum(2 of [x, h1, h2, h3, a, b] >> nlp_linear(d)) >> sigmoid
    node   m = prod(2 of [x, h1, h2, h3, a, b, g])
    node   c = blend(1 of [a, b, m], 1 of [h1, h2, h3], g)
    node   s = sum(2 of [a, b, m, c] >> nlp_act)
    node   h = prod(1 of [s, c, m], 1 of [g, a, b] >> nlp_act)
    output h
}

space nb_nlp(vocab: int = 10000, d: int = 256) {
    input sequence(35, 1)
    embedding(vocab, d) >> linear(d) >> linear(d) >> linear(d) >> nb_nlp_cell(d) >> linear(vocab)
}
